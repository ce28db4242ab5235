/**
 * Reading the merchant's current co-purchase model: "frequently bought with" recommendations for a product, the
 * rules a basket triggers (for cross-sell offers) and best sellers (the fallback).
 *
 * Ranking of "frequently bought with" (GET /v1/products/{sku}/recommendations): the blend of recommender.ts, the
 * rule's confidence shrunk toward the item's popularity — the method that won `recs evaluate` (see
 * docs/recommendations-evaluation.md). Ties: support desc, then the item (string order). Only rules with lift > 1.
 * Cross-sell candidates for offers (rulesForBasket, offers/ranking.ts) still use score = lift × confidence ×
 * count / (count + 2): the offers engine weighs that score against its other kinds' fixed weights.
 */
import { and, desc, eq, gt, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { products } from "../db/schema.ts";
import { recsItems, recsRules } from "./tables.ts";
import { buildModelOnce, currentModelRow, ordersFingerprint, type RecsModelRow } from "./build.ts";
import { blendProbability } from "./recommender.ts";

export interface RuleStats {
  count: number;
  support: number;
  confidence: number;
  lift: number;
}

/** Evidence shrinkage: a rule seen in `count` orders weighs count / (count + EVIDENCE_K). */
export const EVIDENCE_K = 2;

export function ruleScore(r: RuleStats): number {
  return r.lift * r.confidence * (r.count / (r.count + EVIDENCE_K));
}

/** Best first: score desc, support desc, then `key` (the recommended item). Pure. */
export function compareByRuleScore<T extends RuleStats>(key: (r: T) => string): (a: T, b: T) => number {
  return compareByScore(ruleScore, key);
}

/** Best first by the blend's probability (recommender.ts), then support desc, then `key`. Pure. */
export function compareByBlend<T extends RuleStats>(key: (r: T) => string): (a: T, b: T) => number {
  return compareByScore(blendProbability, key);
}

/** Best first by `score`, then support desc, then `key`. */
function compareByScore<T extends RuleStats>(score: (r: RuleStats) => number, key: (r: T) => string) {
  return (a: T, b: T): number => {
    const d = score(b) - score(a);
    if (d !== 0) return d;
    if (b.support !== a.support) return b.support - a.support;
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/**
 * The merchant's current model. With `lazy`, a merchant that has none yet gets its first one built now (once per
 * process at a time), so the API works before the first `recs build` or nightly run; likewise an automatic model
 * built before the merchant had any order is replaced once orders exist.
 */
export async function currentModel(
  db: Db,
  merchantId: string,
  now: Date,
  opts: { lazy?: boolean } = {},
): Promise<RecsModelRow | undefined> {
  const m = await currentModelRow(db, merchantId);
  if (!opts.lazy) return m;
  if (m) {
    if (m.nTransactions > 0 || !m.params.auto) return m;
    const { orders } = await ordersFingerprint(db, merchantId);
    if (orders === 0) return m;
  }
  await buildModelOnce(db, merchantId, now);
  return currentModelRow(db, merchantId);
}

export interface Recommendation {
  sku: string;
  name: string | null;
  confidence: number;
  lift: number;
  support: number;
}

/** The rules {sku} → item of the model with lift > 1, best first by the blend (module doc), at most `limit`. */
export async function recommendationsFor(
  db: Db,
  merchantId: string,
  model: RecsModelRow | undefined,
  sku: string,
  limit: number,
): Promise<Recommendation[]> {
  if (!model) return [];
  const rows = await db
    .select({
      rhs: recsRules.rhs,
      count: recsRules.count,
      support: recsRules.support,
      confidence: recsRules.confidence,
      lift: recsRules.lift,
    })
    .from(recsRules)
    .where(and(eq(recsRules.modelId, model.id), eq(recsRules.lhs, sql`array[${sku}]::text[]`), gt(recsRules.lift, 1)));
  rows.sort(compareByBlend((r) => r.rhs));
  const top = rows.slice(0, limit);
  const names = await productNames(
    db,
    merchantId,
    top.map((r) => r.rhs),
  );
  return top.map((r) => ({
    sku: r.rhs,
    name: names.get(r.rhs) ?? null,
    confidence: r.confidence,
    lift: r.lift,
    support: r.support,
  }));
}

export async function productNames(db: Db, merchantId: string, skus: string[]): Promise<Map<string, string | null>> {
  if (skus.length === 0) return new Map();
  const rows = await db
    .select({ sku: products.sku, name: products.name })
    .from(products)
    .where(and(eq(products.merchantId, merchantId), inArray(products.sku, skus)));
  return new Map(rows.map((r) => [r.sku, r.name]));
}

/** A text[] parameter (drizzle would expand a JS array into a list): one literal, escaped, cast. */
export function textArray(values: string[]): SQL {
  return sql`${`{${values.map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`}::text[]`;
}

export interface BasketRule extends RuleStats {
  lhs: string[];
  rhs: string;
}

/** A rule's columns as read by offers and recommendations. */
export const ruleColumns = {
  lhs: recsRules.lhs,
  rhs: recsRules.rhs,
  count: recsRules.count,
  support: recsRules.support,
  confidence: recsRules.confidence,
  lift: recsRules.lift,
};

/**
 * Rules of the model whose lhs lies inside `basket` and whose rhs does not, with lift > 1, best first, at most
 * `limit` (the best rule per rhs comes first; callers keep one per item).
 */
export async function rulesForBasket(db: Db, modelId: string, basket: string[], limit = 100): Promise<BasketRule[]> {
  if (basket.length === 0) return [];
  const arr = textArray(basket);
  const rows = await db
    .select(ruleColumns)
    .from(recsRules)
    .where(
      and(
        eq(recsRules.modelId, modelId),
        sql`${recsRules.lhs} <@ ${arr}`,
        sql`not (${recsRules.rhs} = any(${arr}))`,
        gt(recsRules.lift, 1),
      ),
    );
  rows.sort(compareByRuleScore((r) => r.rhs + "\u0000" + r.lhs.join("|")));
  return rows.slice(0, limit);
}

/** Item counts (orders containing the SKU) of the model, most sold first. */
export async function bestSellers(db: Db, modelId: string, limit = 200): Promise<{ sku: string; count: number }[]> {
  return db
    .select({ sku: recsItems.sku, count: recsItems.count })
    .from(recsItems)
    .where(eq(recsItems.modelId, modelId))
    .orderBy(desc(recsItems.count), recsItems.sku)
    .limit(limit);
}

export interface TopRule extends BasketRule {
  lhsNames: (string | null)[];
  rhsName: string | null;
}

/** The model's strongest rules (lift > 1), best first by the offers' rule score (ruleScore), names from the catalog. */
export async function topRules(db: Db, merchantId: string, modelId: string, limit = 20): Promise<TopRule[]> {
  const rows = await db
    .select(ruleColumns)
    .from(recsRules)
    .where(and(eq(recsRules.modelId, modelId), gt(recsRules.lift, 1)))
    .orderBy(
      desc(
        sql`${recsRules.lift} * ${recsRules.confidence} * ${recsRules.count} / (${recsRules.count} + ${EVIDENCE_K})`,
      ),
      desc(recsRules.support),
      recsRules.rhs,
    )
    .limit(limit);
  const names = await productNames(db, merchantId, [...new Set(rows.flatMap((r) => [...r.lhs, r.rhs]))]);
  return rows.map((r) => ({
    ...r,
    lhsNames: r.lhs.map((s) => names.get(s) ?? null),
    rhsName: names.get(r.rhs) ?? null,
  }));
}
