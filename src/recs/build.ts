/**
 * Builds a merchant's co-purchase model from its orders in the database (runtime-neutral: CLI, Node interval,
 * Workers `scheduled`, demo seed, tests).
 *
 * Transactions = every order of the merchant (guest orders included) except fully refunded ones (every line
 * refunded); a basket is the order's distinct SKUs (a partially refunded order keeps all its SKUs). Baskets are
 * loaded in pages of orders (by placed_at, id) into the miner's compact interned form, then mined with the same
 * miner as `recs mine` (`mineTransactions`, i.e. `mineBaskets` without the intermediate string arrays).
 *
 * The result is stored as a new version (`recs_models` + `recs_rules` + `recs_items`) in one transaction; the
 * current model is the highest version; the newest `keepVersions` (default 5) are kept, older ones deleted.
 *
 * "Incremental refresh" is a full rebuild, skipped when nothing changed: a model stores a fingerprint of the
 * merchant's orders (count, latest creation, refunds); building again with the same fingerprint and thresholds
 * returns the current model unchanged (unless `force`). A full rebuild is fast enough for a shop's data (about
 * 2 s per 200k orders on Postgres, almost all of it reading the rows; mining takes ~60 ms — see
 * bench/data/model-build-fixture.ts), and it is the only way to keep support/confidence exact: every new order
 * changes N, hence every rule's support and lift.
 */
import { z } from "zod";
import { and, desc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { merchants } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import type { Logger } from "../lib/log.ts";
import { queryRows, num, toDate, col } from "../db/rows.ts";
import { recsItems, recsModels, recsRules, type RecsModelParams } from "./tables.ts";
import { mineTransactions, resolveOptions, type MineProgress } from "./mine.ts";
import { TransactionsBuilder } from "./transactions.ts";

export type RecsModelRow = typeof recsModels.$inferSelect;

export interface Thresholds {
  minSupport: number;
  minConfidence: number;
  maxLen: number;
}

/** Default thresholds: see `defaultThresholds`. */
export const DEFAULT_MODEL_MIN_CONFIDENCE = 0.05;
export const DEFAULT_MODEL_MAX_LEN = 3;
export const DEFAULT_KEEP_VERSIONS = 5;

/**
 * Thresholds for a shop's data: the `recs mine` defaults — minSupport 0.001 (so a small shop's pairs count from
 * their first co-purchase; the ranking's count/(count+2) factor keeps one-off pairs below repeated ones),
 * minConfidence 0.05 — and maxLen 3 (rules with one or two items on the left: a two-item basket can trigger a more
 * specific rule).
 */
export function defaultThresholds(): Thresholds {
  const minSupport = 0.001;
  return { minSupport, minConfidence: DEFAULT_MODEL_MIN_CONFIDENCE, maxLen: DEFAULT_MODEL_MAX_LEN };
}

export interface BuildProgress {
  phase: "loading" | "mining" | "storing";
  /** mining: the miner's own phase ("items", "pairs", "itemsets of 3"). */
  detail?: string;
  done: number;
  total: number;
}

export interface BuildOptions {
  /** Thresholds; those left out take `defaultThresholds()` (or, when the current model was built with explicit
   *  thresholds and none are given here, the current model's). */
  minSupport?: number | undefined;
  minConfidence?: number | undefined;
  maxLen?: number | undefined;
  /** Versions kept (the new one included); default 5. */
  keepVersions?: number | undefined;
  /** Build even when the orders have not changed since the current model. */
  force?: boolean | undefined;
  /** Orders per page when loading (default 20000). */
  pageSize?: number | undefined;
  onProgress?: ((p: BuildProgress) => void) | undefined;
}

export interface ModelInfo {
  id: string;
  version: number;
  builtAt: string;
  nTransactions: number;
  params: RecsModelParams;
}

export interface BuildResult {
  status: "built" | "unchanged";
  model: ModelInfo;
  /** Versions deleted by this build. */
  pruned: number;
  ms: number;
}

export function modelInfo(m: RecsModelRow): ModelInfo {
  return {
    id: m.id,
    version: m.version,
    builtAt: m.builtAt.toISOString(),
    nTransactions: m.nTransactions,
    params: m.params,
  };
}

/** The merchant's current (latest) model, if any. */
export async function currentModelRow(db: Db, merchantId: string): Promise<RecsModelRow | undefined> {
  const rows = await db
    .select()
    .from(recsModels)
    .where(eq(recsModels.merchantId, merchantId))
    .orderBy(desc(recsModels.version))
    .limit(1);
  return rows[0];
}

/** Orders, latest creation and refunds of the merchant: changes whenever an order or a refund is added. */
export async function ordersFingerprint(db: Db, merchantId: string): Promise<{ fingerprint: string; orders: number }> {
  const rows = await queryRows(
    db,
    sql`select count(*) as n, max(created_at) as last, (select count(*) from refunds where merchant_id = ${merchantId}) as r
        from orders where merchant_id = ${merchantId}`,
    z.object({ n: col.num, last: col.dateOrNull, r: col.num }),
  );
  const r = rows[0];
  const n = num(r?.n);
  return { fingerprint: `${n}:${toDate(r?.last)?.toISOString() ?? "-"}:${num(r?.r)}`, orders: n };
}

function parseTextArray(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== "string") return [];
  // A Postgres array literal, in case a driver hands it over unparsed: {a,"b,c"}.
  const out: string[] = [];
  const s = v.slice(1, -1);
  let i = 0;
  while (i < s.length) {
    if (s[i] === '"') {
      let cur = "";
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\") i++;
        cur += s[i++] ?? "";
      }
      out.push(cur);
      i += 2;
    } else {
      const j = s.indexOf(",", i);
      const end = j < 0 ? s.length : j;
      out.push(s.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export interface LoadedBaskets {
  builder: TransactionsBuilder;
  /** Orders containing each SKU (kept baskets only). */
  itemCounts: Map<string, number>;
  /** Orders read, fully refunded ones included. */
  ordersRead: number;
  fullyRefunded: number;
}

/**
 * Streams the merchant's baskets (distinct SKUs of each order that is not fully refunded) in pages, in
 * (placed_at, id) order. Memory holds the interned baskets only.
 */
export async function loadBaskets(
  db: Db,
  merchantId: string,
  opts: {
    pageSize?: number | undefined;
    expected?: number;
    onProgress?: ((done: number, total: number) => void) | undefined;
  } = {},
): Promise<LoadedBaskets> {
  const pageSize = opts.pageSize ?? 20_000;
  const builder = new TransactionsBuilder();
  const itemCounts = new Map<string, number>();
  let ordersRead = 0;
  let fullyRefunded = 0;
  let after: { placedAt: string; id: string } | undefined;
  for (;;) {
    // (placed_at, id) > cursor, written so the (merchant_id, placed_at) index bounds the scan.
    const cursor = after
      ? sql`and o.placed_at >= ${after.placedAt}::timestamptz and (o.placed_at > ${after.placedAt}::timestamptz or o.id > ${after.id})`
      : sql``;
    // placed_at travels as text so the cursor keeps Postgres' microseconds (a JS Date would cut them).
    const rows = await queryRows(
      db,
      sql`with page as (
            select o.id, o.placed_at from orders o
            where o.merchant_id = ${merchantId} ${cursor}
            order by o.placed_at, o.id limit ${pageSize}
          )
          select p.id, p.placed_at::text as placed_at, x.skus, x.full
          from page p cross join lateral (
            -- Per order through order_items(order_id): a join would scan all of order_items for every page.
            select array_agg(distinct i.sku) as skus, bool_and(i.refunded_quantity >= i.quantity) as full
            from order_items i where i.order_id = p.id
          ) x
          order by p.placed_at, p.id`,
      z.object({ id: z.string(), placed_at: z.string(), skus: col.any, full: col.any }),
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      ordersRead++;
      if (r.full === true || r.full === "t") {
        fullyRefunded++;
        continue;
      }
      const skus = parseTextArray(r.skus);
      builder.addBasket(skus);
      for (const s of skus) itemCounts.set(s, (itemCounts.get(s) ?? 0) + 1);
    }
    const last = rows[rows.length - 1]!;
    after = { placedAt: String(last.placed_at), id: last.id };
    opts.onProgress?.(ordersRead, Math.max(opts.expected ?? 0, ordersRead));
    if (rows.length < pageSize) break;
  }
  return { builder, itemCounts, ordersRead, fullyRefunded };
}

const RULES_PER_INSERT = 1000;
/** Best sellers kept per model (the fallback only needs the top of each category). */
const MAX_ITEMS_STORED = 20_000;

/** Serialises builds of one merchant (transaction-scoped). */
async function lockMerchantBuild(tx: Db, merchantId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${"recs-build:" + merchantId}::text, 7301))`);
}

/**
 * Builds (or confirms) the merchant's co-purchase model. Throws RangeError on invalid thresholds.
 * `now` is the build time recorded on the model.
 */
export async function buildModel(db: Db, merchantId: string, now: Date, opts: BuildOptions = {}): Promise<BuildResult> {
  const started = Date.now();
  const keep = Math.max(1, Math.floor(opts.keepVersions ?? DEFAULT_KEEP_VERSIONS));
  const explicit = opts.minSupport !== undefined || opts.minConfidence !== undefined || opts.maxLen !== undefined;
  if (explicit) resolveOptions({ minSupport: opts.minSupport, minConfidence: opts.minConfidence, maxLen: opts.maxLen });

  const current = await currentModelRow(db, merchantId);
  const { fingerprint, orders: expected } = await ordersFingerprint(db, merchantId);
  // Sticky thresholds: a model built with explicit thresholds is rebuilt with the same ones unless told otherwise.
  const sticky =
    !explicit && current && !current.params.auto
      ? {
          minSupport: current.params.minSupport,
          minConfidence: current.params.minConfidence,
          maxLen: current.params.maxLen,
        }
      : undefined;

  if (current && !opts.force && current.params.fingerprint === fingerprint) {
    const sameThresholds = explicit
      ? (opts.minSupport === undefined || opts.minSupport === current.params.minSupport) &&
        (opts.minConfidence === undefined || opts.minConfidence === current.params.minConfidence) &&
        (opts.maxLen === undefined || opts.maxLen === current.params.maxLen) &&
        !current.params.auto
      : true;
    if (sameThresholds) return { status: "unchanged", model: modelInfo(current), pruned: 0, ms: Date.now() - started };
  }

  const loaded = await loadBaskets(db, merchantId, {
    pageSize: opts.pageSize,
    expected,
    onProgress: opts.onProgress ? (done, total) => opts.onProgress!({ phase: "loading", done, total }) : undefined,
  });
  const tx = loaded.builder.build();
  const n = tx.offsets.length - 1;
  const auto = defaultThresholds();
  const base = sticky ?? auto;
  const thresholds: Thresholds = {
    minSupport: opts.minSupport ?? base.minSupport,
    minConfidence: opts.minConfidence ?? base.minConfidence,
    maxLen: opts.maxLen ?? base.maxLen,
  };
  const mined = mineTransactions(tx, {
    ...thresholds,
    onProgress: opts.onProgress
      ? (p: MineProgress) => opts.onProgress!({ phase: "mining", detail: p.phase, done: p.done, total: p.total })
      : undefined,
  });

  const items = [...loaded.itemCounts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_ITEMS_STORED);
  const params: RecsModelParams = {
    ...thresholds,
    minCount: mined.stats.minCount,
    items: mined.stats.items,
    rules: mined.rules.length,
    fingerprint,
    ms: 0,
    auto: !explicit && !sticky,
  };

  const total = mined.rules.length + items.length;
  const result = await db.transaction(async (t) => {
    await lockMerchantBuild(t, merchantId);
    const [last] = await t
      .select({ v: sql<number>`coalesce(max(${recsModels.version}), 0)` })
      .from(recsModels)
      .where(eq(recsModels.merchantId, merchantId));
    const version = Number(last?.v ?? 0) + 1;
    const id = newId("rmd");
    params.ms = Date.now() - started;
    const [model] = await t
      .insert(recsModels)
      .values({ id, merchantId, version, builtAt: now, nTransactions: n, params })
      .returning();
    let done = 0;
    for (let i = 0; i < mined.rules.length; i += RULES_PER_INSERT) {
      const chunk = mined.rules.slice(i, i + RULES_PER_INSERT);
      await t.insert(recsRules).values(
        chunk.map((r) => ({
          modelId: id,
          lhs: r.lhs,
          rhs: r.rhs,
          count: r.count,
          support: r.support,
          confidence: r.confidence,
          lift: r.lift,
        })),
      );
      done += chunk.length;
      opts.onProgress?.({ phase: "storing", done, total });
    }
    for (let i = 0; i < items.length; i += RULES_PER_INSERT * 2) {
      const chunk = items.slice(i, i + RULES_PER_INSERT * 2);
      await t.insert(recsItems).values(chunk.map(([sku, count]) => ({ modelId: id, sku, count })));
      done += chunk.length;
      opts.onProgress?.({ phase: "storing", done, total });
    }
    // Keep the newest `keep` versions.
    const old = await t
      .select({ id: recsModels.id })
      .from(recsModels)
      .where(and(eq(recsModels.merchantId, merchantId), lte(recsModels.version, version - keep)));
    if (old.length > 0) {
      const ids = old.map((o) => o.id);
      await t.delete(recsRules).where(inArray(recsRules.modelId, ids));
      await t.delete(recsItems).where(inArray(recsItems.modelId, ids));
      await t.delete(recsModels).where(inArray(recsModels.id, ids));
    }
    return { model: model!, pruned: old.length };
  });
  return { status: "built", model: modelInfo(result.model), pruned: result.pruned, ms: Date.now() - started };
}

/** Builds once per process and merchant at a time (lazy first build on a request, nightly job). */
const inFlight = new Map<string, Promise<BuildResult>>();
export function buildModelOnce(db: Db, merchantId: string, now: Date, opts: BuildOptions = {}): Promise<BuildResult> {
  const running = inFlight.get(merchantId);
  if (running) return running;
  const p = buildModel(db, merchantId, now, opts).finally(() => inFlight.delete(merchantId));
  inFlight.set(merchantId, p);
  return p;
}

export const NIGHTLY_MAX_AGE_HOURS = 20;

/**
 * The nightly rebuild, runtime-neutral (Node calls it on an interval, Workers from `scheduled`): for every
 * merchant whose model is missing or older than `maxAgeHours` (default 20, so an hourly tick rebuilds about once
 * a day), rebuild — a no-op when its orders have not changed since (see the fingerprint above).
 */
export async function rebuildStaleModels(
  db: Db,
  now: Date,
  logger: Logger,
  opts: { maxAgeHours?: number; merchantIds?: string[] } = {},
): Promise<{ built: number; unchanged: number; skipped: number; failed: number }> {
  const maxAgeMs = (opts.maxAgeHours ?? NIGHTLY_MAX_AGE_HOURS) * 3_600_000;
  const all = opts.merchantIds ?? (await db.select({ id: merchants.id }).from(merchants)).map((m) => m.id);
  const out = { built: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const merchantId of all) {
    try {
      const current = await currentModelRow(db, merchantId);
      if (current && now.getTime() - current.builtAt.getTime() < maxAgeMs) {
        out.skipped++;
        continue;
      }
      const r = await buildModelOnce(db, merchantId, now);
      if (r.status === "built") {
        out.built++;
        logger.info("co-purchase model built", {
          merchantId,
          version: r.model.version,
          transactions: r.model.nTransactions,
          rules: r.model.params.rules,
          ms: r.ms,
        });
      } else {
        out.unchanged++;
        // Touch nothing: an unchanged model keeps its build time, so the check repeats next tick (cheap: one count).
      }
    } catch (err) {
      out.failed++;
      logger.error("co-purchase model build failed", {
        merchantId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return out;
}

/**
 * The nightly rebuild on a long-running process (Node): `rebuildStaleModels` every `everyMs` (default hourly; each
 * merchant's model is rebuilt once it is 20 h old and orders changed), first `firstDelayMs` after start. `stop()`
 * clears the timers and waits for a pass under way.
 */
export function startModelRebuildSchedule(opts: {
  db: Db;
  clock: { now(): Date };
  logger: Logger;
  everyMs?: number;
  firstDelayMs?: number;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = rebuildStaleModels(opts.db, opts.clock.now(), opts.logger)
      .catch((err: unknown) =>
        opts.logger.error("model rebuild pass failed", { error: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => (running = undefined));
  };
  const first = setTimeout(tick, opts.firstDelayMs ?? 120_000);
  const every = setInterval(tick, opts.everyMs ?? 3_600_000);
  first.unref?.();
  every.unref?.();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
