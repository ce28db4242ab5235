import { describe, expect, it } from "vitest";
import { MAX_REFERENCE_ITEMS, SoftmaxReference } from "../../src/recs/softmax.ts";
import { transactionsFromBaskets } from "../../src/recs/transactions.ts";

describe("SoftmaxReference (the learned reference of recs evaluate)", () => {
  // "milk" is the best seller, but bread and butter go together: a model fitted to "which item completes this
  // basket" must learn the pair and beat popularity where popularity is wrong.
  const baskets: string[][] = [];
  for (let i = 0; i < 80; i++) baskets.push(["milk", i % 2 ? "eggs" : "tea"]);
  for (let i = 0; i < 40; i++) baskets.push(["bread", "butter"]);
  for (let i = 0; i < 30; i++) baskets.push(["milk"]);

  it("learns co-purchases that popularity misses, never recommends what is in the basket", () => {
    const model = new SoftmaxReference(transactionsFromBaskets(baskets), { seed: 1 });
    expect(model.recommend(["bread"], 1)).toEqual(["butter"]);
    expect(model.recommend(["butter"], 1)).toEqual(["bread"]);
    expect(model.recommend(["eggs"], 1)).toEqual(["milk"]);
    expect(model.recommend(["milk", "eggs"], 5)).not.toContain("milk");
    expect(model.recommend(["milk", "eggs"], 5)).not.toContain("eggs");
  });

  it("ranks an unseen basket by popularity and is deterministic for a seed", () => {
    const a = new SoftmaxReference(transactionsFromBaskets(baskets), { seed: 3 });
    const b = new SoftmaxReference(transactionsFromBaskets(baskets), { seed: 3 });
    expect(a.recommend(["unknown item"], 5)[0]).toBe("milk");
    expect(a.recommend(["tea"], 3)).toEqual(b.recommend(["tea"], 3));
  });

  it("refuses a catalog it cannot hold as an items × items matrix", () => {
    const big = Array.from({ length: MAX_REFERENCE_ITEMS + 1 }, (_, i) => [`p${i}`]);
    expect(() => new SoftmaxReference(transactionsFromBaskets(big))).toThrow(RangeError);
  });
});
