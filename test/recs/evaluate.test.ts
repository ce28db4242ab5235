import { describe, expect, it } from "vitest";
import { evaluateHoldout, RuleRecommender } from "../../src/recs/evaluate.ts";
import { mineBaskets, type MineOptions } from "../../src/recs/mine.ts";
import { loadTransactionsCsv } from "../../src/recs/transactions-csv.ts";
import { basketsOf, transactionsFromBaskets, type Transactions } from "../../src/recs/transactions.ts";

describe("RuleRecommender", () => {
  it("uses rules whose lhs is inside the basket and whose rhs is not, ranked by confidence × lift", () => {
    const rules = [
      { lhs: ["a"], rhs: "b", count: 1, support: 0.1, confidence: 0.5, lift: 2 }, // score 1
      { lhs: ["a"], rhs: "c", count: 1, support: 0.1, confidence: 0.9, lift: 3 }, // 2.7
      { lhs: ["a", "d"], rhs: "e", count: 1, support: 0.1, confidence: 1, lift: 5 }, // needs d
      { lhs: ["b"], rhs: "c", count: 1, support: 0.1, confidence: 1, lift: 4 }, // b not in basket
      { lhs: ["a"], rhs: "x", count: 1, support: 0.1, confidence: 0.4, lift: 2.5 }, // 1, ties with b → name order
      { lhs: ["x"], rhs: "a", count: 1, support: 0.1, confidence: 1, lift: 9 }, // lhs x not in basket
    ];
    const rec = new RuleRecommender(rules);
    expect(rec.recommend(["a"], 5)).toEqual([
      { item: "c", score: 0.9 * 3 },
      { item: "b", score: 1 },
      { item: "x", score: 1 },
    ]);
    expect(rec.recommend(["a", "d"], 2).map((r) => r.item)).toEqual(["e", "c"]);
    expect(rec.recommend(["a", "c"], 5).map((r) => r.item)).toEqual(["b", "x"]); // c already in basket
  });
});

describe("evaluateHoldout", () => {
  const baskets: string[][] = [];
  for (let i = 0; i < 60; i++) baskets.push(["x", "y"]);
  for (let i = 0; i < 100; i++) baskets.push(["w", "v"]);
  for (let i = 0; i < 40; i++) baskets.push(["solo"]);

  it("holds out the last item of a seeded share of baskets with ≥ 2 distinct items", () => {
    let trained: Transactions | undefined;
    const res = evaluateHoldout(transactionsFromBaskets(baskets), {
      holdout: 0.25,
      seed: 1,
      minSupport: 0.05,
      minConfidence: 0.1,
      mine: (train, opts: MineOptions) => {
        trained = train;
        return mineBaskets(basketsOf(train), opts);
      },
    });
    expect(res.transactions).toBe(200);
    expect(res.eligible).toBe(160);
    expect(res.testBaskets).toBe(40);
    // Training keeps every basket; 40 of them lost their last item (y or v).
    const sizes = basketsOf(trained!).map((b) => b.length);
    expect(sizes.filter((n) => n === 1).length).toBe(40 + 40);
    // Rules x→y and w→v predict every held-out item; popularity ranks by frequency.
    expect(res.methods.rules).toMatchObject({ hitAt1: 1, hitAt3: 1, hitAt5: 1, coverage: 1, mrr: 1 });
    // 5 training items, rules name 2 of them (y and v); no prices → no margin figure; no timestamps → no time split.
    expect(res.methods.rules.catalogCoverage).toBe(0.4);
    expect(res.methods.rules.marginAt5).toBeNull();
    expect(res.timeSplit).toBeNull();
    expect(res.methods.popularity.hitAt5).toBe(1);
    expect(res.methods.rulesWithPopularity.hitAt1).toBe(1);
  });

  it("is deterministic for a seed and uses file order to pick the held-out item", async () => {
    // Order 1's last row is "a" (the rows of order 1 are not adjacent).
    const text = "order_id,item\n1,b\n2,a\n1,c\n2,b\n1,a\n3,a\n3,b\n";
    const run = async () => evaluateHoldout(await loadTransactionsCsv([text]), { holdout: 0.5, seed: 3, minSupport: 0.01, minConfidence: 0 });
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.eligible).toBe(3);
    expect(first.testBaskets).toBe(2);
    expect(() => evaluateHoldout(transactionsFromBaskets([["a", "b"]]), { holdout: 1 })).toThrow(RangeError);
  });
});
