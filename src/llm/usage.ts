/**
 * Cost control: per-merchant LLM settings (`merchants.settings.llm`), daily token budgets per member and per
 * merchant, usage counters (`llm_usage`) and the offer-phrasing cache (`llm_phrasings`).
 *
 * Budgets are soft: checked before a model call against the tokens already counted today (the merchant's local
 * day), so concurrent calls may overshoot by one call each.
 */
import { metrics } from "../lib/metrics.ts";
import { and, desc, eq, gte, lte, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { merchants } from "../db/schema.ts";
import { settingsKey } from "../merchants/settings-key.ts";
import { llmPhrasings, llmUsage } from "./tables.ts";
import { localDate } from "./figures.ts";

export const LlmSettingsSchema = z.object({
  /** false: always the deterministic templates / keyword intents for this merchant. */
  enabled: z.boolean().default(true),
  /** Tokens (input + output) one member's free-text answers may use per day. */
  memberDailyTokens: z.number().int().min(0).max(10_000_000).default(20_000),
  /** Tokens the whole merchant may use per day (answers and offer phrasings). */
  merchantDailyTokens: z.number().int().min(0).max(1_000_000_000).default(1_000_000),
  /** Offer phrasings are reused for this many days (per offer facts, language and tier). */
  phrasingCacheDays: z.number().int().min(0).max(365).default(7),
});
export type LlmSettings = z.output<typeof LlmSettingsSchema>;

export const llmSettings = settingsKey("llm", LlmSettingsSchema);

export interface MerchantLlmContext {
  merchantId: string;
  name: string;
  timeZone: string;
  settings: LlmSettings;
}

export async function merchantLlmContext(db: Db, merchantId: string): Promise<MerchantLlmContext | undefined> {
  const [m] = await db
    .select({ name: merchants.name, timezone: merchants.timezone, settings: merchants.settings })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .limit(1);
  if (!m) return undefined;
  return { merchantId, name: m.name, timeZone: m.timezone, settings: llmSettings.parse(m.settings) };
}

/** The merchant's calendar day of `now`, `YYYY-MM-DD`. */
export function usageDay(now: Date, timeZone: string): string {
  const l = localDate(now, timeZone);
  return `${l.y}-${String(l.m).padStart(2, "0")}-${String(l.d).padStart(2, "0")}`;
}

export type LlmTask = "answer" | "offer";

export interface UsageDelta {
  calls?: number;
  modelReplies?: number;
  fallbacks?: number;
  cacheHits?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export async function recordUsage(
  db: Db,
  key: { merchantId: string; day: string; memberId?: string | undefined; task: LlmTask },
  d: UsageDelta,
  now: Date,
): Promise<void> {
  metrics.llmCalls.inc({ task: key.task }, d.calls ?? 0);
  metrics.llmFallbacks.inc({ task: key.task }, d.fallbacks ?? 0);
  metrics.llmTokens.inc({ task: key.task, direction: "input" }, Math.round(d.inputTokens ?? 0));
  metrics.llmTokens.inc({ task: key.task, direction: "output" }, Math.round(d.outputTokens ?? 0));
  const v = {
    calls: d.calls ?? 0,
    modelReplies: d.modelReplies ?? 0,
    fallbacks: d.fallbacks ?? 0,
    cacheHits: d.cacheHits ?? 0,
    inputTokens: Math.max(0, Math.round(d.inputTokens ?? 0)),
    outputTokens: Math.max(0, Math.round(d.outputTokens ?? 0)),
  };
  await db
    .insert(llmUsage)
    .values({
      merchantId: key.merchantId,
      day: key.day,
      memberId: key.memberId ?? "",
      task: key.task,
      ...v,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [llmUsage.merchantId, llmUsage.day, llmUsage.memberId, llmUsage.task],
      set: {
        calls: sql`${llmUsage.calls} + ${v.calls}`,
        modelReplies: sql`${llmUsage.modelReplies} + ${v.modelReplies}`,
        fallbacks: sql`${llmUsage.fallbacks} + ${v.fallbacks}`,
        cacheHits: sql`${llmUsage.cacheHits} + ${v.cacheHits}`,
        inputTokens: sql`${llmUsage.inputTokens} + ${v.inputTokens}`,
        outputTokens: sql`${llmUsage.outputTokens} + ${v.outputTokens}`,
        updatedAt: now,
      },
    });
}

/** Tokens used on `day` by the merchant, and by one member when given. */
export async function tokensUsed(
  db: Db,
  merchantId: string,
  day: string,
  memberId?: string,
): Promise<{ merchant: number; member: number }> {
  const [r] = await db
    .select({
      merchant: sql<string | number>`coalesce(sum(${llmUsage.inputTokens} + ${llmUsage.outputTokens}), 0)`,
      member: sql<
        string | number
      >`coalesce(sum(${llmUsage.inputTokens} + ${llmUsage.outputTokens}) filter (where ${llmUsage.memberId} = ${memberId ?? ""} and ${llmUsage.memberId} <> ''), 0)`,
    })
    .from(llmUsage)
    .where(and(eq(llmUsage.merchantId, merchantId), eq(llmUsage.day, day)));
  return { merchant: Number(r?.merchant ?? 0), member: Number(r?.member ?? 0) };
}

export type BudgetVerdict = { ok: true } | { ok: false; reason: "disabled" | "budget-member" | "budget-merchant" };

export async function checkBudget(
  db: Db,
  m: MerchantLlmContext,
  day: string,
  memberId: string | undefined,
): Promise<BudgetVerdict> {
  if (!m.settings.enabled) return { ok: false, reason: "disabled" };
  const used = await tokensUsed(db, m.merchantId, day, memberId);
  if (used.merchant >= m.settings.merchantDailyTokens) return { ok: false, reason: "budget-merchant" };
  if (memberId && used.member >= m.settings.memberDailyTokens) return { ok: false, reason: "budget-member" };
  return { ok: true };
}

export async function cachedPhrasing(
  db: Db,
  merchantId: string,
  key: string,
  notBefore: Date,
): Promise<string | undefined> {
  const [r] = await db
    .select({ text: llmPhrasings.text })
    .from(llmPhrasings)
    .where(
      and(eq(llmPhrasings.merchantId, merchantId), eq(llmPhrasings.key, key), gte(llmPhrasings.createdAt, notBefore)),
    )
    .limit(1);
  return r?.text;
}

export async function storePhrasing(
  db: Db,
  row: { merchantId: string; key: string; lang: string; tier: string | null; text: string; model: string },
  now: Date,
): Promise<void> {
  await db
    .insert(llmPhrasings)
    .values({ ...row, createdAt: now })
    .onConflictDoUpdate({
      target: [llmPhrasings.merchantId, llmPhrasings.key],
      set: { text: row.text, model: row.model, createdAt: now },
    });
}

export interface UsageDay {
  day: string;
  task: LlmTask;
  calls: number;
  modelReplies: number;
  fallbacks: number;
  cacheHits: number;
  inputTokens: number;
  outputTokens: number;
}

/** Per day and task, merchant-wide, for days in [from, to] (inclusive, `YYYY-MM-DD`), newest first. */
export async function usageByDay(db: Db, merchantId: string, from: string, to: string): Promise<UsageDay[]> {
  const rows = await db
    .select({
      day: llmUsage.day,
      task: llmUsage.task,
      calls: sql<string | number>`sum(${llmUsage.calls})`,
      modelReplies: sql<string | number>`sum(${llmUsage.modelReplies})`,
      fallbacks: sql<string | number>`sum(${llmUsage.fallbacks})`,
      cacheHits: sql<string | number>`sum(${llmUsage.cacheHits})`,
      inputTokens: sql<string | number>`sum(${llmUsage.inputTokens})`,
      outputTokens: sql<string | number>`sum(${llmUsage.outputTokens})`,
    })
    .from(llmUsage)
    .where(and(eq(llmUsage.merchantId, merchantId), gte(llmUsage.day, from), lte(llmUsage.day, to)))
    .groupBy(llmUsage.day, llmUsage.task)
    .orderBy(desc(llmUsage.day), llmUsage.task);
  return rows.map((r) => ({
    day: r.day,
    task: r.task === "offer" ? "offer" : "answer",
    calls: Number(r.calls),
    modelReplies: Number(r.modelReplies),
    fallbacks: Number(r.fallbacks),
    cacheHits: Number(r.cacheHits),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
  }));
}

/** The members who used the most tokens on `day`. */
export async function topMembers(
  db: Db,
  merchantId: string,
  day: string,
  limit = 10,
): Promise<{ memberId: string; tokens: number; calls: number }[]> {
  const tokens = sql<string | number>`sum(${llmUsage.inputTokens} + ${llmUsage.outputTokens})`;
  const rows = await db
    .select({ memberId: llmUsage.memberId, tokens, calls: sql<string | number>`sum(${llmUsage.calls})` })
    .from(llmUsage)
    .where(and(eq(llmUsage.merchantId, merchantId), eq(llmUsage.day, day), sql`${llmUsage.memberId} <> ''`))
    .groupBy(llmUsage.memberId)
    .orderBy(desc(tokens))
    .limit(limit);
  return rows.map((r) => ({ memberId: r.memberId, tokens: Number(r.tokens), calls: Number(r.calls) }));
}
