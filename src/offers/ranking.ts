/**
 * The offers engine's decisions, pure (no I/O): which offers a member could get (candidates), how they score,
 * and which at most 3 are shown. `service.ts` loads the inputs and persists the result.
 *
 * Candidates (every one carries the SKUs it is about; none ever contains a SKU of the member's last order —
 * the order that triggers the offers — and none is in cool-down):
 *   cross-sell     (basis rule)        rules of the current model whose lhs ⊆ the last order's SKUs, rhs ∉ it; one per
 *                                      product (its best rule)
 *   cross-sell     (basis best-seller) only when no rule applies: the best sellers of the last order's categories
 *                                      (of the whole shop when the member has no order or no categories)
 *   upsell         a higher-priced variant, in the same category, that the merchant linked to a product of the
 *                  last order
 *   bundle         merchant bundles (no minTier), and combos suggested from strong pair rules {a} → b where the
 *                  member bought a in the last 90 days (but not in the last order)
 *   tier-exclusive merchant bundles with a minTier the member has reached
 *   post-purchase  within postPurchaseHours after the last order: bonus points on the next order (no product)
 *   nudge          the reward the member is closest to, when at most nudgeMaxGapPercent of its cost away
 *
 * Score (higher is better):
 *   cross-sell (rule)   3 × P(sku | last order) × value(sku) × freshness — P is the recommender's blend
 *                       (rule confidence shrunk toward popularity, src/recs/recommender.ts), so the score is the
 *                       expected value of showing the product; 3 keeps it on the scale of the kinds' fixed weights
 *   best seller         0.25 × count/topCount × value(sku) × freshness
 *   upsell              0.5 × value(variant) × freshness
 *   merchant bundle     0.8 × (1 + discount%/100)
 *   suggested bundle    0.5 × lift × confidence × count/(count+2)
 *   tier-exclusive      1.0 × (1 + 0.25 × tier rank)       (higher tiers: their perks first)
 *   post-purchase       0.7 × freshness
 *   nudge               0.3 + 0.7 × (1 − gap/cost)
 * where value(sku) = margin(sku) × clamp(√(price / median catalog price), 0.5, 2) (margin from settings, default 1;
 * unknown price → 1): expected profit grows with margin and price, dampened so cheap add-ons still show; and
 * freshness = 0.5^(days since the last order / freshnessHalfLifeDays): offers triggered by an old order fade.
 *
 * Selection: by score (ties: kind order below, then SKUs), at most one offer per product, at most 2 of a kind
 * while other kinds can fill the list, at most `maxOffers` (≤ 3).
 */
import { ruleScore } from "../recs/model.ts";
import { blendProbability } from "../recs/recommender.ts";
import type { OfferSettings } from "./settings.ts";
import type { OfferBasis, OfferKind, OfferRule } from "./tables.ts";
import type { OfferFacts } from "./text.ts";

export const MAX_OFFERS = 3;
export const DAY_MS = 86_400_000;
export const HISTORY_DAYS = 90;
/** Cross-sell weight on the blend probability (module doc). */
export const CROSS_SELL_WEIGHT = 3;

export interface ProductInfo {
  name: string | null;
  category: string | null;
  /** The catalog's list price (never an order's unit price). */
  price: number | null;
  /** false: the merchant retired the product — it is never offered. */
  active?: boolean;
}

export interface BundleInput {
  id: string;
  name: string;
  skus: string[];
  price: number | null;
  discountPercent: number;
  bonusPoints: number;
  minTier: string | null;
}

export interface RewardInput {
  id: string;
  name: string;
  cost: number;
  minTier: string | null;
}

export interface RankingInput {
  now: Date;
  settings: OfferSettings;
  currency: string;
  /** Program earn rate (base points = floor(amount × points / spend)). */
  earn: { spend: number; points: number };
  /** Tier names from lowest to highest. */
  tiers: string[];
  member: { firstName: string | null; tier: string | null; balance: number };
  lastOrder: { id: string; placedAt: Date; skus: string[] } | null;
  /** SKUs the member bought in the last 90 days (last order included). */
  historySkus: string[];
  products: Map<string, ProductInfo>;
  /** Rules with lhs ⊆ last order, rhs ∉ last order, lift > 1 (any order). */
  basketRules: OfferRule[];
  /** Pair rules {a} → b with a in the member's history, for suggested bundles. */
  pairRules: OfferRule[];
  /** Orders containing each SKU (from the model), any order. */
  bestSellers: { sku: string; count: number }[];
  bundles: BundleInput[];
  /** sku → variant SKUs the merchant linked. */
  variants: { sku: string; variantSku: string }[];
  rewards: RewardInput[];
  /** Median catalog price (null: no prices). */
  medianPrice: number | null;
  cooldown: { skus: Set<string>; bundleIds: Set<string>; rewardIds: Set<string>; postPurchaseOrderIds: Set<string> };
  model: { id: string; version: number } | null;
}

export interface Candidate {
  kind: OfferKind;
  basis: OfferBasis;
  /** Single-product offers. */
  sku: string | null;
  skus: string[];
  bundleId: string | null;
  rewardId: string | null;
  rule: OfferRule | null;
  score: number;
  price: number | null;
  memberPrice: number | null;
  discountPercent: number | null;
  bonusPoints: number;
  expiresAt: Date;
  /** Facts for the text (without firstName/expiry, added when rendering). */
  facts: OfferFacts;
}

const KIND_ORDER: OfferKind[] = ["cross-sell", "tier-exclusive", "bundle", "upsell", "post-purchase", "nudge"];

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export function margin(settings: OfferSettings, sku: string, category: string | null): number {
  return settings.margins.bySku[sku] ?? (category ? settings.margins.byCategory[category] : undefined) ?? 1;
}

export function valueFactor(
  settings: OfferSettings,
  sku: string,
  p: ProductInfo | undefined,
  medianPrice: number | null,
): number {
  const m = margin(settings, sku, p?.category ?? null);
  const price = p?.price;
  const pf =
    price != null && price > 0 && medianPrice && medianPrice > 0 ? clamp(Math.sqrt(price / medianPrice), 0.5, 2) : 1;
  return m * pf;
}

export function freshness(now: Date, lastOrderAt: Date | null | undefined, halfLifeDays: number): number {
  if (!lastOrderAt) return 1;
  const days = Math.max(0, (now.getTime() - lastOrderAt.getTime()) / DAY_MS);
  return 0.5 ** (days / halfLifeDays);
}

export function discounted(price: number | null, percent: number): number | null {
  if (price == null) return null;
  return Math.round((price * (100 - percent)) / 100);
}

/** Bonus points for buying an add-on: the setting, else the product's base points (≥ 1). */
export function addOnBonus(
  settings: OfferSettings,
  earn: { spend: number; points: number },
  price: number | null,
): number {
  if (settings.addOnBonusPoints !== null) return settings.addOnBonusPoints;
  if (price == null || price <= 0) return 1;
  return Math.max(1, Math.floor((price * earn.points) / earn.spend));
}

export function tierRankOf(tiers: string[], name: string | null): number {
  return name ? tiers.indexOf(name) : -1;
}

/** A merchant bundle as an offer: kind tier-exclusive when it has a minTier, else bundle. Pure. */
export function bundleCandidate(
  b: BundleInput,
  ctx: { products: Map<string, ProductInfo>; currency: string; tier: string | null; tierRank: number; expiresAt: Date },
): Candidate {
  const tierOnly = b.minTier !== null;
  const kind: OfferKind = tierOnly ? "tier-exclusive" : "bundle";
  const name = (sku: string) => ctx.products.get(sku)?.name ?? null;
  const prices = b.skus.map((x) => ctx.products.get(x)?.price ?? null);
  const full = prices.every((p) => p != null) ? prices.reduce<number>((a, p) => a + (p ?? 0), 0) : null;
  const memberPrice = b.price ?? (b.discountPercent > 0 ? discounted(full, b.discountPercent) : full);
  const discountPercent =
    b.price != null
      ? full
        ? Math.max(0, Math.round((100 * (full - b.price)) / full))
        : null
      : b.discountPercent || null;
  const single = b.skus.length === 1 ? b.skus[0]! : null;
  const score = tierOnly ? 1.0 * (1 + 0.25 * Math.max(0, ctx.tierRank)) : 0.8 * (1 + (discountPercent ?? 0) / 100);
  return {
    kind,
    basis: "merchant",
    sku: single,
    skus: [...b.skus],
    bundleId: b.id,
    rewardId: null,
    rule: null,
    score,
    price: full,
    memberPrice,
    discountPercent,
    bonusPoints: b.bonusPoints,
    expiresAt: ctx.expiresAt,
    facts: {
      currency: ctx.currency,
      tier: ctx.tier,
      kind,
      basis: "merchant",
      sku: single,
      productName: single ? name(single) : null,
      bundleName: b.name,
      items: b.skus.map((x) => ({ sku: x, name: name(x) })),
      price: full,
      memberPrice,
      discountPercent,
      bonusPoints: b.bonusPoints,
    },
  };
}

/** All candidates, scored, already filtered (last order, cool-down, disabled kinds). Pure. */
export function generateCandidates(input: RankingInput): Candidate[] {
  const { settings: s, now, products } = input;
  const out: Candidate[] = [];
  const last = new Set(input.lastOrder?.skus ?? []);
  const blocked = (sku: string) => last.has(sku) || input.cooldown.skus.has(sku) || products.get(sku)?.active === false;
  const fresh = freshness(now, input.lastOrder?.placedAt, s.freshnessHalfLifeDays);
  const validUntil = new Date(now.getTime() + s.validHours * 3_600_000);
  const on = s.kinds;
  const name = (sku: string) => products.get(sku)?.name ?? null;
  const value = (sku: string) => valueFactor(s, sku, products.get(sku), input.medianPrice);
  const base = { currency: input.currency, tier: input.member.tier } as const;

  const productOffer = (
    kind: OfferKind,
    basis: OfferBasis,
    sku: string,
    score: number,
    discount: number,
    extra: Partial<OfferFacts> = {},
    rule: OfferRule | null = null,
  ): Candidate => {
    const p = products.get(sku);
    const price = p?.price ?? null;
    const memberPrice = discount > 0 ? discounted(price, discount) : price;
    const bonusPoints = addOnBonus(s, input.earn, price);
    return {
      kind,
      basis,
      sku,
      skus: [sku],
      bundleId: null,
      rewardId: null,
      rule,
      score,
      price,
      memberPrice,
      discountPercent: discount > 0 && price != null ? discount : null,
      bonusPoints,
      expiresAt: validUntil,
      facts: {
        ...base,
        kind,
        basis,
        sku,
        productName: p?.name ?? null,
        price,
        memberPrice,
        discountPercent: discount > 0 && price != null ? discount : null,
        bonusPoints,
        ...extra,
      },
    };
  };

  // Cross-sell from rules on the last order: the best rule per product.
  let ruleCandidates = 0;
  if (on["cross-sell"] && input.lastOrder) {
    const best = new Map<string, { rule: OfferRule; score: number }>();
    for (const r of input.basketRules) {
      if (!(r.lift > 1) || blocked(r.rhs) || !r.lhs.every((x) => last.has(x))) continue;
      const sc = CROSS_SELL_WEIGHT * blendProbability(r);
      const cur = best.get(r.rhs);
      if (!cur || sc > cur.score) best.set(r.rhs, { rule: r, score: sc });
    }
    for (const [sku, { rule, score }] of best) {
      out.push(
        productOffer(
          "cross-sell",
          "rule",
          sku,
          score * value(sku) * fresh,
          s.crossSellDiscountPercent,
          { basedOn: rule.lhs.map((x) => name(x) ?? x) },
          rule,
        ),
      );
      ruleCandidates++;
    }
  }

  // Fallback: the category's best sellers when no rule applies.
  if (on["cross-sell"] && ruleCandidates === 0 && input.bestSellers.length > 0) {
    const cats = new Set<string>();
    for (const sku of last) {
      const c = products.get(sku)?.category;
      if (c) cats.add(c);
    }
    const pool = input.bestSellers.filter(
      (b) => !blocked(b.sku) && (cats.size === 0 || cats.has(products.get(b.sku)?.category ?? "\u0000")),
    );
    const top = pool[0]?.count ?? 1;
    for (const b of pool.slice(0, 2))
      out.push(
        productOffer(
          "cross-sell",
          "best-seller",
          b.sku,
          0.25 * (b.count / top) * value(b.sku) * fresh,
          s.crossSellDiscountPercent,
        ),
      );
  }

  // Upsell: linked, higher-priced variants in the same category.
  if (on.upsell && input.lastOrder) {
    const seen = new Set<string>();
    for (const v of input.variants) {
      if (!last.has(v.sku) || blocked(v.variantSku) || seen.has(v.variantSku)) continue;
      const from = products.get(v.sku);
      const to = products.get(v.variantSku);
      if (!from || !to || from.price == null || to.price == null || !(to.price > from.price)) continue;
      if ((from.category ?? null) !== (to.category ?? null)) continue;
      seen.add(v.variantSku);
      out.push(
        productOffer("upsell", "variant", v.variantSku, 0.5 * value(v.variantSku) * fresh, s.upsellDiscountPercent, {
          fromName: from.name ?? v.sku,
        }),
      );
    }
  }

  // Merchant bundles and tier-exclusive deals.
  const rank = tierRankOf(input.tiers, input.member.tier);
  for (const b of input.bundles) {
    if (input.cooldown.bundleIds.has(b.id) || b.skus.some(blocked)) continue;
    const tierOnly = b.minTier !== null;
    if (tierOnly && !(on["tier-exclusive"] && rank >= 0 && rank >= tierRankOf(input.tiers, b.minTier))) continue;
    if (!tierOnly && !on.bundle) continue;
    out.push(
      bundleCandidate(b, {
        products,
        currency: input.currency,
        tier: input.member.tier,
        tierRank: rank,
        expiresAt: validUntil,
      }),
    );
  }

  // Combos suggested from strong pair rules on products the member buys (not in the last order).
  const sb = s.suggestBundles;
  if (on.bundle && sb.enabled) {
    const history = new Set(input.historySkus);
    const seen = new Set<string>();
    for (const r of input.pairRules) {
      const a = r.lhs[0];
      if (r.lhs.length !== 1 || a === undefined || a === r.rhs || !history.has(a) || last.has(a)) continue;
      if (!(r.lift >= sb.minLift && r.lift > 1) || r.confidence < sb.minConfidence || r.count < sb.minCount) continue;
      if (blocked(r.rhs) || blocked(a)) continue;
      const key = [a, r.rhs].sort().join("|");
      if (seen.has(key)) continue;
      seen.add(key);
      const skus = [a, r.rhs];
      const prices = skus.map((x) => products.get(x)?.price ?? null);
      const full = prices.every((p) => p != null) ? prices.reduce<number>((x, p) => x + (p ?? 0), 0) : null;
      const memberPrice = discounted(full, sb.discountPercent);
      const discountPercent = full != null ? sb.discountPercent : null;
      out.push({
        kind: "bundle",
        basis: "suggested",
        sku: null,
        skus,
        bundleId: null,
        rewardId: null,
        rule: r,
        score: 0.5 * ruleScore(r),
        price: full,
        memberPrice,
        discountPercent,
        bonusPoints: 0,
        expiresAt: validUntil,
        facts: {
          ...base,
          kind: "bundle",
          basis: "suggested",
          items: skus.map((x) => ({ sku: x, name: name(x) })),
          price: full,
          memberPrice,
          discountPercent,
          bonusPoints: 0,
        },
      });
    }
  }

  // Post-purchase: within the window after the last order, once per order.
  if (on["post-purchase"] && input.lastOrder && !input.cooldown.postPurchaseOrderIds.has(input.lastOrder.id)) {
    const until = new Date(input.lastOrder.placedAt.getTime() + s.postPurchaseHours * 3_600_000);
    if (until > now && input.lastOrder.placedAt.getTime() <= now.getTime() + 3_600_000) {
      const bonusPoints = s.postPurchaseBonusPoints;
      out.push({
        kind: "post-purchase",
        basis: "order",
        sku: null,
        skus: [],
        bundleId: null,
        rewardId: null,
        rule: null,
        score: 0.7 * fresh,
        price: null,
        memberPrice: null,
        discountPercent: null,
        bonusPoints,
        expiresAt: until,
        facts: { ...base, kind: "post-purchase", basis: "order", bonusPoints, hours: s.postPurchaseHours },
      });
    }
  }

  // Nudge: the closest reward within reach.
  if (on.nudge) {
    let best: { r: RewardInput; gap: number } | undefined;
    for (const r of input.rewards) {
      if (input.cooldown.rewardIds.has(r.id)) continue;
      if (r.minTier && !(rank >= 0 && rank >= tierRankOf(input.tiers, r.minTier))) continue;
      const gap = r.cost - input.member.balance;
      if (gap <= 0 || gap > (r.cost * s.nudgeMaxGapPercent) / 100) continue;
      if (!best || gap < best.gap || (gap === best.gap && r.id < best.r.id)) best = { r, gap };
    }
    if (best) {
      const { r, gap } = best;
      out.push({
        kind: "nudge",
        basis: "reward",
        sku: null,
        skus: [],
        bundleId: null,
        rewardId: r.id,
        rule: null,
        score: 0.3 + 0.7 * (1 - gap / r.cost),
        price: null,
        memberPrice: null,
        discountPercent: null,
        bonusPoints: s.nudgeBonusPoints,
        expiresAt: validUntil,
        facts: {
          ...base,
          kind: "nudge",
          basis: "reward",
          rewardName: r.name,
          pointsNeeded: gap,
          bonusPoints: s.nudgeBonusPoints,
        },
      });
    }
  }
  return out;
}

function tieKey(c: Candidate): string {
  return `${String(KIND_ORDER.indexOf(c.kind)).padStart(2, "0")}|${c.skus.join(",")}|${c.bundleId ?? ""}|${c.rewardId ?? ""}`;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  if (b.score !== a.score) return b.score - a.score;
  const ka = tieKey(a);
  const kb = tieKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Picks at most `max` (≤ 3): best first, one offer per product, at most 2 of a kind unless nothing else fills. Pure. */
export function selectOffers(
  candidates: Candidate[],
  max = MAX_OFFERS,
  excludeSkus: Iterable<string> = [],
): Candidate[] {
  const limit = Math.min(MAX_OFFERS, Math.max(0, max));
  const sorted = [...candidates].sort(compareCandidates);
  const excluded = new Set(excludeSkus);
  const chosen: Candidate[] = [];
  const usedSkus = new Set<string>();
  const perKind = new Map<OfferKind, number>();
  const fits = (c: Candidate) => !chosen.includes(c) && c.skus.every((x) => !usedSkus.has(x) && !excluded.has(x));
  const take = (c: Candidate) => {
    chosen.push(c);
    for (const x of c.skus) usedSkus.add(x);
    perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
  };
  for (const c of sorted) {
    if (chosen.length >= limit) break;
    if (fits(c) && (perKind.get(c.kind) ?? 0) < 2) take(c);
  }
  for (const c of sorted) {
    if (chosen.length >= limit) break;
    if (fits(c)) take(c);
  }
  return chosen.sort(compareCandidates);
}

/** Candidates → the member's offers (at most settings.maxOffers). Pure. */
export function rankOffers(input: RankingInput): Candidate[] {
  if (!input.settings.enabled) return [];
  return selectOffers(generateCandidates(input), input.settings.maxOffers, input.lastOrder?.skus ?? []);
}
