/** The blended recommender on small baskets whose scores are worked out by hand in the comments. */
import { describe, expect, it } from "vitest";
import type { Rule } from "../../src/recs/mine.ts";
import { reasonText } from "../../src/recs/reasons.ts";
import { blendProbability, BlendRecommender, PopularityRecommender } from "../../src/recs/recommender.ts";

// 10 orders: milk in 6, bread in 4, beer in 3, jam in 2; bread+jam in 2, bread+milk in 2.
const items = {
  transactions: 10,
  counts: new Map([
    ["milk", 6],
    ["bread", 4],
    ["beer", 3],
    ["jam", 2],
  ]),
};
const rules: Rule[] = [
  // confidence 2/4, lift 0.5 / 0.2 = 2.5
  { lhs: ["bread"], rhs: "jam", count: 2, support: 0.2, confidence: 0.5, lift: 2.5 },
  // confidence 2/4, lift 0.5 / 0.6
  { lhs: ["bread"], rhs: "milk", count: 2, support: 0.2, confidence: 0.5, lift: 0.5 / 0.6 },
];
const K = 2; // smoothing used below: k = 2 pseudo-orders

describe("BlendRecommender", () => {
  it("blends each rule's confidence, shrunk toward popularity, with popularity as the floor", () => {
    // jam:  (2 + 2·0.2) / (4 + 2) = 0.4   (rule)      milk: max((2 + 2·0.6) / 6 = 0.533, P = 0.6) = 0.6 (popular)
    // beer: P = 0.3 (popular). Rules alone (confidence × lift) would rank jam, milk; popularity milk, beer, jam.
    const rec = new BlendRecommender(rules, items, { smoothing: K });
    const out = rec.recommend({ basket: ["bread"] }, 5);
    expect(out.map((r) => r.item)).toEqual(["milk", "jam", "beer"]);
    expect(out[0]).toMatchObject({ probability: 0.6, reason: { kind: "popular", item: "milk" }, value: null });
    expect(out[1]!.probability).toBeCloseTo(0.4, 12);
    expect(out[1]!.reason).toEqual({ kind: "co-purchase", item: "jam", because: ["bread"] });
    expect(out[2]).toMatchObject({ item: "beer", probability: 0.3 });
    expect(blendProbability(rules[1]!, K)).toBeCloseTo(3.2 / 6, 12);
    // Without smoothing, jam's rule gives its plain confidence 0.5.
    expect(
      new BlendRecommender(rules, items, { smoothing: 0 }).recommend({ basket: ["bread"] }, 2)[1]!.probability,
    ).toBe(0.5);
  });

  it("never recommends what is in the basket; an unseen basket gets the best sellers", () => {
    const rec = new BlendRecommender(rules, items, { smoothing: K });
    expect(rec.recommend({ basket: ["bread", "jam", "milk"] }, 5).map((r) => r.item)).toEqual(["beer"]);
    expect(rec.recommend({ basket: [] }, 3).map((r) => r.item)).toEqual(["milk", "bread", "beer"]);
    expect(rec.recommend({ basket: ["caviar"] }, 2).map((r) => r.item)).toEqual(["milk", "bread"]);
    expect(new PopularityRecommender(items).recommend(["milk"], 2)).toEqual(["bread", "beer"]);
  });

  it("uses the member's habits: items bought often, and those not bought lately", () => {
    const rec = new BlendRecommender(rules, items, { smoothing: K });
    // beer in 3 of 3 orders: (3 + 2·0.3) / (3 + 2) = 0.72 > milk 0.6. chips only once: not a habit.
    const habit = rec.recommend({ basket: ["bread"], history: { orders: [["beer", "chips"], ["beer"], ["beer"]] } }, 2);
    expect(habit.map((r) => r.item)).toEqual(["beer", "milk"]);
    expect(habit[0]!.probability).toBeCloseTo(0.72, 12);
    expect(habit[0]!.reason).toEqual({ kind: "habit", item: "beer" });
    // tea twice, but not in the last 3 of 5 orders: lapsed, (2 + 2·0) / (5 + 2) = 0.2857 (unknown to the model).
    const orders = [["tea"], ["tea"], ["beer"], ["milk"], ["milk"]];
    const lapsed = rec.recommend({ basket: ["bread"], history: { orders } }, 5);
    const tea = lapsed.find((r) => r.item === "tea")!;
    expect(tea.reason.kind).toBe("lapsed");
    expect(tea.probability).toBeCloseTo(2 / 7, 12);
    // milk: (2 + 1.2) / 7 = 0.457 — the habit does not beat its popularity 0.6, which stays the reason.
    expect(lapsed.find((r) => r.item === "milk")!.reason.kind).toBe("popular");
    // History can be switched off (the evaluation's plain blend).
    const off = new BlendRecommender(rules, items, { smoothing: K, useHistory: false });
    expect(off.recommend({ basket: ["bread"], history: { orders } }, 5).some((r) => r.item === "tea")).toBe(false);
  });

  it("ranks by probability × value when values are known (unknown values take the median)", () => {
    // milk 0.6 × 1 = 0.6, jam 0.4 × 5 = 2, beer 0.3 × median(1, 5) = 0.9
    const values = new Map([
      ["milk", 1],
      ["jam", 5],
    ]);
    const out = new BlendRecommender(rules, items, { smoothing: K, values }).recommend({ basket: ["bread"] }, 3);
    expect(out.map((r) => [r.item, r.value])).toEqual([
      ["jam", 5],
      ["beer", 3],
      ["milk", 1],
    ]);
    expect(out[0]!.score).toBeCloseTo(2, 12);
    expect(out[1]!.score).toBeCloseTo(0.9, 12);
  });
});

describe("reasonText", () => {
  it("says why, in Vietnamese and English", () => {
    const name = (s: string) => ({ bread: "Bánh mì", jam: "Mứt dâu", tea: "Trà đào", milk: "Sữa" })[s] ?? s;
    const co = { kind: "co-purchase" as const, item: "jam", because: ["bread"] };
    expect(reasonText(co, "vi", name)).toBe("Khách mua Bánh mì thường mua thêm Mứt dâu");
    expect(reasonText(co, "en", name)).toBe("Customers who buy Bánh mì often add Mứt dâu");
    expect(reasonText({ ...co, because: ["bread", "milk"] }, "en", name)).toBe(
      "Customers who buy Bánh mì and Sữa often add Mứt dâu",
    );
    expect(reasonText({ kind: "habit", item: "tea" }, "vi", name)).toBe("Bạn hay mua Trà đào");
    expect(reasonText({ kind: "habit", item: "tea" }, "en", name)).toBe("You often buy Trà đào");
    expect(reasonText({ kind: "lapsed", item: "tea" }, "vi", name)).toBe(
      "Bạn hay mua Trà đào nhưng lâu rồi chưa mua lại",
    );
    expect(reasonText({ kind: "lapsed", item: "tea" }, "en", name)).toBe("You often bought Trà đào but not lately");
    expect(reasonText({ kind: "popular", item: "milk" }, "vi", name)).toBe("Sữa đang bán chạy");
    expect(reasonText({ kind: "popular", item: "milk" }, "en")).toBe("milk is a best seller");
  });
});
