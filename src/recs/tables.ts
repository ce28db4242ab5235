/**
 * Tables of the co-purchase model (drizzle-kit picks up `src/*\/tables.ts`).
 *
 * - `recs_models` / `recs_rules` / `recs_items`: versioned co-purchase models per merchant. The current model is the
 *   one with the highest version; a few older versions are kept (offers also snapshot the rule they came from, so
 *   an offer stays explainable after its model is pruned).
 */
import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts, serialId, merchantRow } from "../db/columns.ts";

/** What a model was built with (thresholds actually used) and from (a fingerprint of the merchant's orders). */
export interface RecsModelParams {
  minSupport: number;
  minConfidence: number;
  maxLen: number;
  /** Absolute support threshold: an itemset needs count ≥ minCount. */
  minCount: number;
  items: number;
  rules: number;
  /** Orders, latest order creation and refunds at build time: an unchanged fingerprint means nothing to rebuild. */
  fingerprint: string;
  /** Build duration in milliseconds. */
  ms: number;
  /** Whether the thresholds were the automatic defaults (so the nightly job may keep choosing them). */
  auto: boolean;
}

export const recsModels = pgTable(
  "recs_models",
  {
    ...merchantRow(),
    version: integer("version").notNull(),
    builtAt: ts("built_at").notNull(),
    nTransactions: integer("n_transactions").notNull(),
    params: jsonb("params").$type<RecsModelParams>().notNull(),
  },
  (t) => [uniqueIndex("recs_models_version_uq").on(t.merchantId, t.version)],
);

export const recsRules = pgTable(
  "recs_rules",
  {
    id: serialId(),
    modelId: text("model_id").notNull(),
    /** Sorted (JS string order), as the miner emits it. */
    lhs: text("lhs").array().notNull(),
    rhs: text("rhs").notNull(),
    count: integer("count").notNull(),
    support: doublePrecision("support").notNull(),
    confidence: doublePrecision("confidence").notNull(),
    lift: doublePrecision("lift").notNull(),
  },
  (t) => [index("recs_rules_lhs_idx").on(t.modelId, t.lhs)],
);

/** Orders containing each item at build time (best sellers for the fallback; popularity). */
export const recsItems = pgTable(
  "recs_items",
  {
    modelId: text("model_id").notNull(),
    sku: text("sku").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.sku] })],
);
