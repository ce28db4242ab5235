/** The offers engine's pure ranking and selection. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { blendProbability } from "../../src/recs/recommender.ts";
import {
  CROSS_SELL_WEIGHT,
  freshness,
  generateCandidates,
  rankOffers,
  selectOffers,
  valueFactor,
  type Candidate,
  type ProductInfo,
  type RankingInput,
} from "../../src/offers/ranking.ts";
import { offerSettings, OfferSettingsSchema, type OfferSettingsInput } from "../../src/offers/settings.ts";
import type { OfferRule } from "../../src/offers/tables.ts";

const NOW = new Date("2026-11-20T03:00:00Z");
const HOUR = 3_600_000;

const PRODUCTS: Record<string, ProductInfo> = {
  CF: { name: "Cà phê", category: "coffee", price: 29000 },
  "CF-L": { name: "Cà phê lớn", category: "coffee", price: 39000 },
  "CF-S": { name: "Cà phê nhỏ", category: "coffee", price: 19000 },
  DEN: { name: "Cà phê đen", category: "coffee", price: 25000 },
  BM: { name: "Bánh mì", category: "food", price: 25000 },
  CROIS: { name: "Croissant", category: "bakery", price: 28000 },
  TEA: { name: "Trà", category: "tea", price: 39000 },
  CAKE: { name: "Bánh ngọt", category: "bakery", price: 39000 },
  WATER: { name: "Nước", category: "drinks", price: 10000 },
};

const rule = (lhs: string[], rhs: string, confidence: number, lift: number, count = 10): OfferRule => ({
  lhs,
  rhs,
  count,
  support: count / 100,
  confidence,
  lift,
});

function input(over: Omit<Partial<RankingInput>, "settings"> & { settings?: OfferSettingsInput } = {}): RankingInput {
  const { settings, ...rest } = over;
  return {
    now: NOW,
    settings: settings ? OfferSettingsSchema.parse(settings) : offerSettings.defaults,
    currency: "VND",
    earn: { spend: 10000, points: 1 },
    tiers: ["Đồng", "Bạc", "Vàng"],
    member: { firstName: "Hoa", tier: "Đồng", balance: 0 },
    lastOrder: { id: "ord_1", placedAt: new Date(NOW.getTime() - 2 * HOUR), skus: ["CF"] },
    historySkus: ["CF"],
    products: new Map(Object.entries(PRODUCTS)),
    basketRules: [],
    pairRules: [],
    bestSellers: [],
    bundles: [],
    variants: [],
    rewards: [],
    medianPrice: 29000,
    cooldown: { skus: new Set(), bundleIds: new Set(), rewardIds: new Set(), postPurchaseOrderIds: new Set() },
    model: { id: "rmd_1", version: 3 },
    ...rest,
  };
}

const only = (kinds: string[]): OfferSettingsInput => ({
  kinds: Object.fromEntries(
    ["cross-sell", "bundle", "upsell", "post-purchase", "tier-exclusive", "nudge"].map((k) => [k, kinds.includes(k)]),
  ) as OfferSettingsInput["kinds"],
});
const skusOf = (cs: Candidate[]) => cs.map((c) => c.skus.join("+"));

describe("cross-sell", () => {
  it("from rules whose lhs is in the last order, never a product of that order, best rule per product, ranked by lift × confidence", () => {
    const out = rankOffers(
      input({
        settings: only(["cross-sell"]),
        lastOrder: { id: "o", placedAt: NOW, skus: ["CF", "BM"] },
        basketRules: [
          rule(["CF"], "CROIS", 0.5, 2),
          rule(["CF"], "TEA", 0.2, 1.5),
          rule(["BM", "CF"], "CROIS", 0.7, 2.5), // better rule for the same product
          rule(["CF"], "BM", 0.9, 3), // in the basket: never
          rule(["TEA"], "CAKE", 0.9, 4), // lhs not in the basket: never
          rule(["CF"], "WATER", 0.5, 0.8), // lift ≤ 1: never
        ],
      }),
    );
    expect(out.map((c) => [c.kind, c.basis, c.sku])).toEqual([
      ["cross-sell", "rule", "CROIS"],
      ["cross-sell", "rule", "TEA"],
    ]);
    expect(out[0]!.rule).toMatchObject({ lhs: ["BM", "CF"], rhs: "CROIS", lift: 2.5 });
    expect(out[0]).toMatchObject({ price: 28000, memberPrice: 25200, discountPercent: 10, bonusPoints: 2 });
    expect(out[0]!.facts).toMatchObject({ basedOn: ["Bánh mì", "Cà phê"], productName: "Croissant" });
  });

  it("falls back to the best sellers of the last order's categories only when no rule applies", () => {
    const bestSellers = [
      { sku: "WATER", count: 50 },
      { sku: "CF", count: 40 },
      { sku: "DEN", count: 20 },
      { sku: "CF-L", count: 10 },
    ];
    const fallback = rankOffers(input({ settings: only(["cross-sell"]), bestSellers }));
    expect(fallback.map((c) => [c.basis, c.sku])).toEqual([
      ["best-seller", "DEN"],
      ["best-seller", "CF-L"],
    ]);
    const withRule = rankOffers(
      input({ settings: only(["cross-sell"]), bestSellers, basketRules: [rule(["CF"], "BM", 0.5, 2)] }),
    );
    expect(withRule.map((c) => [c.basis, c.sku])).toEqual([["rule", "BM"]]);
    // A rule in cool-down does not apply: fallback again.
    const cooled = rankOffers(
      input({
        settings: only(["cross-sell"]),
        bestSellers,
        basketRules: [rule(["CF"], "BM", 0.5, 2)],
        cooldown: {
          skus: new Set(["BM", "DEN"]),
          bundleIds: new Set(),
          rewardIds: new Set(),
          postPurchaseOrderIds: new Set(),
        },
      }),
    );
    expect(cooled.map((c) => [c.basis, c.sku])).toEqual([["best-seller", "CF-L"]]);
    // No order at all: the shop's best sellers.
    const none = rankOffers(input({ settings: only(["cross-sell"]), bestSellers, lastOrder: null }));
    // (value: the cheap WATER weighs less than CF despite selling more.)
    expect(none.map((c) => c.sku)).toEqual(["CF", "WATER"]);
  });

  it("score = 3 × blend probability × value × freshness (expected value of showing it)", () => {
    const [c] = generateCandidates(
      input({ settings: only(["cross-sell"]), basketRules: [rule(["CF"], "TEA", 0.4, 2, 8)] }),
    );
    // The blend: (count + 10 × P(TEA)) / (count(lhs) + 10), with P(TEA) = confidence / lift, count(lhs) = count / confidence.
    const p = (8 + 10 * (0.4 / 2)) / (8 / 0.4 + 10);
    expect(blendProbability(rule(["CF"], "TEA", 0.4, 2, 8))).toBeCloseTo(p, 12);
    const expected =
      CROSS_SELL_WEIGHT *
      p *
      valueFactor(offerSettings.defaults, "TEA", PRODUCTS.TEA, 29000) *
      freshness(NOW, new Date(NOW.getTime() - 2 * HOUR), 7);
    expect(c!.score).toBeCloseTo(expected, 12);
    expect(valueFactor(offerSettings.defaults, "TEA", PRODUCTS.TEA, 29000)).toBeCloseTo(Math.sqrt(39000 / 29000), 12);
    expect(
      valueFactor(OfferSettingsSchema.parse({ margins: { byCategory: { tea: 0.5 } } }), "TEA", PRODUCTS.TEA, 29000),
    ).toBeCloseTo(0.5 * Math.sqrt(39000 / 29000), 12);
    expect(valueFactor(offerSettings.defaults, "X", { name: null, category: null, price: 1 }, 29000)).toBe(0.5);
    expect(freshness(NOW, new Date(NOW.getTime() - 7 * 24 * HOUR), 7)).toBeCloseTo(0.5, 12);
    // Margin outranks a slightly better rule.
    const ranked = rankOffers(
      input({
        settings: { ...only(["cross-sell"]), margins: { bySku: { TEA: 0.2 } } },
        basketRules: [rule(["CF"], "TEA", 0.5, 2), rule(["CF"], "CAKE", 0.45, 2)],
      }),
    );
    expect(ranked.map((c) => c.sku)).toEqual(["CAKE", "TEA"]);
  });
});

describe("other kinds", () => {
  it("upsell: a linked variant that costs more in the same category", () => {
    const out = rankOffers(
      input({
        settings: only(["upsell"]),
        variants: [
          { sku: "CF", variantSku: "CF-L" },
          { sku: "CF", variantSku: "CF-S" }, // cheaper: no
          { sku: "CF", variantSku: "TEA" }, // other category: no
          { sku: "BM", variantSku: "CAKE" }, // BM not in the last order: no
        ],
      }),
    );
    expect(out.map((c) => [c.kind, c.sku, c.memberPrice])).toEqual([["upsell", "CF-L", 35100]]);
    expect(out[0]!.facts).toMatchObject({ fromName: "Cà phê", productName: "Cà phê lớn" });
  });

  it("bundles: merchant combos unless they hold a product of the last order; tier-exclusive only from the tier up", () => {
    const bundles = [
      {
        id: "bnd_a",
        name: "Trà + bánh",
        skus: ["TEA", "CAKE"],
        price: null,
        discountPercent: 20,
        bonusPoints: 5,
        minTier: null,
      },
      {
        id: "bnd_b",
        name: "Sáng",
        skus: ["CF", "BM"],
        price: 45000,
        discountPercent: 0,
        bonusPoints: 0,
        minTier: null,
      },
      { id: "bnd_c", name: "Bạc", skus: ["CROIS"], price: 20000, discountPercent: 0, bonusPoints: 0, minTier: "Bạc" },
    ];
    const dong = rankOffers(input({ settings: only(["bundle", "tier-exclusive"]), bundles }));
    expect(dong.map((c) => [c.kind, c.bundleId])).toEqual([["bundle", "bnd_a"]]);
    expect(dong[0]).toMatchObject({
      price: 78000,
      memberPrice: 62400,
      discountPercent: 20,
      bonusPoints: 5,
      sku: null,
      skus: ["TEA", "CAKE"],
    });
    const bac = rankOffers(
      input({
        settings: only(["bundle", "tier-exclusive"]),
        bundles,
        member: { firstName: null, tier: "Bạc", balance: 0 },
      }),
    );
    expect(bac.map((c) => [c.kind, c.bundleId, c.sku])).toEqual([
      ["tier-exclusive", "bnd_c", "CROIS"],
      ["bundle", "bnd_a", null],
    ]);
    expect(bac[0]).toMatchObject({ price: 28000, memberPrice: 20000, discountPercent: 29 });
  });

  it("suggested bundles from strong pair rules on products the member bought before (not in the last order)", () => {
    const out = rankOffers(
      input({
        settings: only(["bundle"]),
        historySkus: ["CF", "TEA"],
        pairRules: [
          rule(["TEA"], "CAKE", 0.6, 3, 6),
          rule(["TEA"], "WATER", 0.6, 1.5, 6),
          rule(["CF"], "BM", 0.9, 3, 9),
          rule(["TEA"], "CROIS", 0.6, 3, 2),
        ],
      }),
    );
    expect(out.map((c) => [c.kind, c.basis, c.skus.join("+")])).toEqual([["bundle", "suggested", "TEA+CAKE"]]);
    expect(out[0]).toMatchObject({ price: 78000, memberPrice: 66300, discountPercent: 15 });
  });

  it("post-purchase: within postPurchaseHours after the last order, once per order", () => {
    const pp = rankOffers(input({ settings: only(["post-purchase"]) }));
    expect(pp).toHaveLength(1);
    expect(pp[0]).toMatchObject({
      kind: "post-purchase",
      skus: [],
      bonusPoints: 10,
      expiresAt: new Date(NOW.getTime() + 22 * HOUR),
    });
    expect(
      rankOffers(
        input({
          settings: only(["post-purchase"]),
          lastOrder: { id: "o", placedAt: new Date(NOW.getTime() - 25 * HOUR), skus: ["CF"] },
        }),
      ),
    ).toEqual([]);
    expect(
      rankOffers(
        input({
          settings: only(["post-purchase"]),
          cooldown: {
            skus: new Set(),
            bundleIds: new Set(),
            rewardIds: new Set(),
            postPurchaseOrderIds: new Set(["ord_1"]),
          },
        }),
      ),
    ).toEqual([]);
    expect(
      rankOffers(
        input({
          settings: { ...only(["post-purchase"]), postPurchaseHours: 48 },
          lastOrder: { id: "o", placedAt: new Date(NOW.getTime() - 25 * HOUR), skus: ["CF"] },
        }),
      ),
    ).toHaveLength(1);
  });

  it("nudge: the closest reward within nudgeMaxGapPercent of its cost, tier permitting", () => {
    const rewards = [
      { id: "r1", name: "Cà phê miễn phí", cost: 100, minTier: null },
      { id: "r2", name: "Voucher", cost: 130, minTier: null },
      { id: "r3", name: "Ly", cost: 95, minTier: "Vàng" },
    ];
    const out = rankOffers(
      input({ settings: only(["nudge"]), rewards, member: { firstName: null, tier: "Đồng", balance: 80 } }),
    );
    expect(out.map((c) => [c.kind, c.rewardId, c.facts.pointsNeeded])).toEqual([["nudge", "r1", 20]]);
    expect(
      rankOffers(input({ settings: only(["nudge"]), rewards, member: { firstName: null, tier: "Đồng", balance: 60 } })),
    ).toEqual([]);
    expect(
      rankOffers(
        input({ settings: only(["nudge"]), rewards, member: { firstName: null, tier: "Đồng", balance: 100 } }),
      )[0]!.rewardId,
    ).toBe("r2");
  });

  it("settings: disabled engine or kinds give nothing", () => {
    const i = { basketRules: [rule(["CF"], "BM", 0.5, 2)] };
    expect(rankOffers(input({ ...i, settings: { enabled: false } }))).toEqual([]);
    expect(rankOffers(input({ ...i, settings: only([]) }))).toEqual([]);
  });
});

describe("selection", () => {
  it("at most 3, one per product, at most 2 of a kind while others can fill, ranked by score", () => {
    const out = rankOffers(
      input({
        basketRules: [
          rule(["CF"], "BM", 0.8, 3),
          rule(["CF"], "CROIS", 0.7, 3),
          rule(["CF"], "TEA", 0.6, 3),
          rule(["CF"], "CAKE", 0.5, 3),
        ],
        bundles: [
          {
            id: "bnd_x",
            name: "X",
            skus: ["BM", "WATER"],
            price: null,
            discountPercent: 10,
            bonusPoints: 0,
            minTier: null,
          },
        ],
        rewards: [{ id: "r1", name: "Free", cost: 100, minTier: null }],
        member: { firstName: null, tier: "Đồng", balance: 90 },
      }),
    );
    expect(out).toHaveLength(3);
    expect(out.filter((c) => c.kind === "cross-sell")).toHaveLength(2);
    const skus = out.flatMap((c) => c.skus);
    expect(new Set(skus).size).toBe(skus.length);
    expect(out.map((c) => c.score)).toEqual([...out.map((c) => c.score)].sort((a, b) => b - a));
    // Nothing else to fill: a third of the same kind.
    const same = rankOffers(
      input({
        settings: only(["cross-sell"]),
        basketRules: [
          rule(["CF"], "BM", 0.8, 3),
          rule(["CF"], "CROIS", 0.7, 3),
          rule(["CF"], "TEA", 0.6, 3),
          rule(["CF"], "CAKE", 0.5, 3),
        ],
      }),
    );
    expect(skusOf(same)).toEqual(["BM", "TEA", "CROIS"]); // TEA's higher price outweighs CROIS's slightly better rule
    expect(rankOffers(input({ settings: { maxOffers: 1 }, basketRules: [rule(["CF"], "BM", 0.8, 3)] }))).toHaveLength(
      1,
    );
    expect(selectOffers(same, 10)).toHaveLength(3);
  });

  it("property: never a product of the last order, never one in cool-down, ≤ 3, distinct products, deterministic", () => {
    const skus = Object.keys(PRODUCTS);
    const arbRule = fc.record({
      lhs: fc.subarray(skus, { minLength: 1, maxLength: 2 }),
      rhs: fc.constantFrom(...skus),
      confidence: fc.double({ min: 0.05, max: 1, noNaN: true }),
      lift: fc.double({ min: 0.5, max: 6, noNaN: true }),
      count: fc.integer({ min: 1, max: 50 }),
    });
    fc.assert(
      fc.property(
        fc.subarray(skus, { minLength: 1, maxLength: 3 }),
        fc.array(arbRule, { maxLength: 15 }),
        fc.subarray(skus),
        fc.array(fc.subarray(skus, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
        fc.integer({ min: 0, max: 200 }),
        (last, rules, cooled, bundleSkus, balance) => {
          const inp = input({
            lastOrder: { id: "o", placedAt: new Date(NOW.getTime() - HOUR), skus: last },
            historySkus: skus,
            basketRules: rules
              .map((r) => ({ ...r, support: r.count / 100 }))
              .filter((r) => r.lhs.every((x) => last.includes(x)) && !last.includes(r.rhs)),
            pairRules: rules.filter((r) => r.lhs.length === 1).map((r) => ({ ...r, support: r.count / 100 })),
            bestSellers: skus.map((s, i) => ({ sku: s, count: 100 - i })),
            bundles: bundleSkus.map((b, i) => ({
              id: `bnd_${i}`,
              name: `B${i}`,
              skus: b,
              price: null,
              discountPercent: 10,
              bonusPoints: 0,
              minTier: i === 2 ? "Bạc" : null,
            })),
            variants: skus.map((s) => ({ sku: "CF", variantSku: s })),
            rewards: [{ id: "r", name: "R", cost: 100, minTier: null }],
            member: { firstName: null, tier: "Bạc", balance },
            cooldown: {
              skus: new Set(cooled),
              bundleIds: new Set(),
              rewardIds: new Set(),
              postPurchaseOrderIds: new Set(),
            },
          });
          const out = rankOffers(inp);
          expect(out.length).toBeLessThanOrEqual(3);
          const all = out.flatMap((c) => c.skus);
          expect(new Set(all).size).toBe(all.length);
          for (const s of all) {
            expect(last).not.toContain(s);
            expect(cooled).not.toContain(s);
          }
          for (const c of out) if (c.skus.length === 1 && c.kind !== "bundle") expect(c.sku).toBe(c.skus[0]);
          expect(rankOffers(inp)).toEqual(out);
        },
      ),
      { numRuns: 300 },
    );
  });
});
