/**
 * Offer phrasing: the model gets only the offer's structured facts and returns `{ text, language }` (structured
 * output, zod). The text is used only when it passes `validateText` against those facts and the merchant's
 * catalog; otherwise — and without a model, over budget, after an error or the time budget (3 s) — the
 * deterministic template. Validated phrasings are cached per (offer facts, language, tier) with `{{firstName}}`
 * still in them, so members share them and the member's name never reaches the provider.
 */
import { generateText, Output } from "ai";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { products, rewards } from "../db/schema.ts";
import type { ChannelName } from "../channels/channel.ts";
import type { Logger } from "../lib/log.ts";
import { canonicalJson, sha256Hex } from "../lib/crypto.ts";
import { foldVietnamese, type Lang } from "../messages/render.ts";
import { budgetSignal, estimateTokens, failureReason, logPath, usageTokens, type Llm } from "./llm.ts";
import {
  OfferFactsSchema,
  offerFactSet,
  offerNames,
  offerTemplate,
  promptFacts,
  type OfferFacts,
} from "./offer-facts.ts";
import { promptBody, renderPrompt } from "./prompts.ts";
import { cachedPhrasing, checkBudget, merchantLlmContext, recordUsage, storePhrasing, usageDay } from "./usage.ts";
import { CHANNEL_TEXT_LIMIT, validateText } from "./validate.ts";

/** What the model must return. */
export const OfferPhrasingSchema = z.object({
  text: z.string().min(1).max(2000),
  language: z.enum(["vi", "en"]),
});

export const DEFAULT_OFFER_MAX_CHARS = 400;

export interface PhraseOfferInput {
  db: Db;
  merchantId: string;
  facts: OfferFacts;
  lang: Lang;
  now: Date;
  /** The channel the text goes to (its length limit applies). */
  channel?: ChannelName | undefined;
  /** Longest text (default 400 characters, and never more than the channel allows). */
  maxChars?: number | undefined;
  /** The deterministic text; default `offerTemplate` (the offers engine may pass its own `offerText`). */
  template?: ((facts: OfferFacts, lang: Lang) => string) | undefined;
  /** The merchant's product names; default: its products and rewards from the database. */
  catalog?: readonly string[] | undefined;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

export interface PhraseResult {
  text: string;
  llmPath: "model" | "template";
  /** Why this path: "model", "cache", "no-model", "disabled", "budget-merchant", "timeout", "schema", "rejected:<check>", … */
  reason: string;
}

/** Product and reward names of the merchant (what "no other product names" is checked against). */
export async function catalogNames(db: Db, merchantId: string): Promise<string[]> {
  const p = await db
    .select({ name: products.name })
    .from(products)
    .where(eq(products.merchantId, merchantId))
    .limit(5000);
  const r = await db
    .select({ name: rewards.name })
    .from(rewards)
    .where(and(eq(rewards.merchantId, merchantId), eq(rewards.active, true)))
    .limit(1000);
  return [
    ...new Set([...p, ...r].map((x) => x.name).filter((n): n is string => typeof n === "string" && n.trim() !== "")),
  ];
}

/** An offer message must say what is offered: a product, the bundle or the reward of the facts. */
export function mentionsOffer(text: string, facts: OfferFacts): boolean {
  const t = foldVietnamese(text);
  const names = [
    ...facts.products.map((p) => p.name),
    ...(facts.bundleName ? [facts.bundleName] : []),
    ...(facts.rewardName ? [facts.rewardName] : []),
  ];
  if (names.length === 0) return true;
  return names.some((n) => t.includes(foldVietnamese(n).trim()));
}

/** `{{firstName}}` → the name, or a neutral address when there is none. */
export function fillFirstName(text: string, firstName: string | null | undefined, lang: Lang): string {
  const name = firstName?.trim() || (lang === "vi" ? "bạn" : "there");
  return text.replace(/\{\{\s*firstName\s*\}\}/g, name);
}

/** The cache key: the facts minus the member's name, the language, the tier, the prompt and the model. */
export async function phrasingKey(facts: OfferFacts, lang: Lang, model: string): Promise<string> {
  const f = OfferFactsSchema.parse(facts);
  const { firstName: _omit, expiresAt, ...rest } = f;
  const prompt = await sha256Hex(promptBody("offer", lang));
  return sha256Hex(
    canonicalJson({ ...rest, expiresAt: expiresAt ? expiresAt.toISOString() : null, lang, model, prompt }),
  );
}

export async function phraseOffer(llm: Llm | undefined, input: PhraseOfferInput): Promise<PhraseResult> {
  const { db, merchantId, lang, now } = input;
  const facts = OfferFactsSchema.parse(input.facts);
  const logger = input.logger ?? llm?.logger;
  const started = Date.now();
  const template = (reason: string, extra: Record<string, unknown> = {}): PhraseResult => {
    const text = (input.template ?? offerTemplate)(input.facts, lang);
    if (logger)
      logPath(logger, {
        task: "offer",
        llmPath: "template",
        reason,
        model: llm?.name,
        ms: Date.now() - started,
        ...extra,
      });
    return { text, llmPath: "template", reason };
  };
  if (!llm) return template("no-model");
  const merchant = await merchantLlmContext(db, merchantId);
  if (!merchant) return template("no-merchant");
  const day = usageDay(now, merchant.timeZone);
  const usageKey = { merchantId, day, task: "offer" as const };
  const maxChars = Math.min(input.maxChars ?? DEFAULT_OFFER_MAX_CHARS, CHANNEL_TEXT_LIMIT[input.channel ?? "zalo"]);

  const key = await phrasingKey(input.facts, lang, llm.name);
  if (merchant.settings.enabled && merchant.settings.phrasingCacheDays > 0) {
    const hit = await cachedPhrasing(
      db,
      merchantId,
      key,
      new Date(now.getTime() - merchant.settings.phrasingCacheDays * 86_400_000),
    );
    if (hit !== undefined && hit.length <= maxChars) {
      await recordUsage(db, usageKey, { cacheHits: 1 }, now);
      logger?.info("llm", {
        task: "offer",
        llmPath: "model",
        reason: "cache",
        model: llm.name,
        ms: Date.now() - started,
      });
      return { text: fillFirstName(hit, facts.firstName, lang), llmPath: "model", reason: "cache" };
    }
  }

  const budget = await checkBudget(db, merchant, day, undefined);
  if (!budget.ok) {
    await recordUsage(db, usageKey, { fallbacks: 1 }, now);
    return template(budget.reason);
  }

  const system = renderPrompt("offer", lang, {
    shop: merchant.name,
    facts: JSON.stringify(promptFacts(input.facts, lang), null, 2),
    maxChars,
  });
  const prompt = lang === "vi" ? "Viết tin nhắn ưu đãi." : "Write the offer message.";
  const signal = budgetSignal(llm.offerTimeoutMs, input.signal);
  let text: string;
  try {
    const result = await generateText({
      model: llm.model,
      instructions: system,
      prompt,
      output: Output.object({ schema: OfferPhrasingSchema, name: "offer_message" }),
      abortSignal: signal,
      maxRetries: 0,
      temperature: 0.4,
      maxOutputTokens: 500,
    });
    const tokens = usageTokens(result.totalUsage);
    const out = result.output;
    if (out.language !== lang) {
      await recordUsage(db, usageKey, { calls: 1, fallbacks: 1, ...tokens }, now);
      return template("rejected:language", tokens);
    }
    text = out.text.trim();
    const verdict = validateText(text, {
      lang,
      facts: offerFactSet(input.facts),
      maxChars,
      allowedNames: offerNames(input.facts),
      catalogNames: input.catalog ?? (await catalogNames(db, merchantId)),
      placeholders: ["firstName"],
    });
    if (!verdict.ok) {
      await recordUsage(db, usageKey, { calls: 1, fallbacks: 1, ...tokens }, now);
      return template(`rejected:${verdict.reason}`, { ...tokens, detail: verdict.detail });
    }
    if (!mentionsOffer(text, input.facts)) {
      await recordUsage(db, usageKey, { calls: 1, fallbacks: 1, ...tokens }, now);
      return template("rejected:missing-product", tokens);
    }
    await recordUsage(db, usageKey, { calls: 1, modelReplies: 1, ...tokens }, now);
    await storePhrasing(db, { merchantId, key, lang, tier: facts.tier ?? null, text, model: llm.name }, now);
    logPath(logger ?? llm.logger, {
      task: "offer",
      llmPath: "model",
      reason: "model",
      model: llm.name,
      ms: Date.now() - started,
      ...tokens,
    });
  } catch (err) {
    const reason = failureReason(err, signal);
    await recordUsage(db, usageKey, { calls: 1, fallbacks: 1, inputTokens: estimateTokens(system, prompt) }, now);
    return template(reason, { error: err instanceof Error ? err.message.slice(0, 200) : String(err) });
  }
  return { text: fillFirstName(text, facts.firstName, lang), llmPath: "model", reason: "model" };
}
