/**
 * Free-text answers with tool calling. `createAssistant(llm, opts)` returns the chat core's `assistant` hook:
 * it answers a linked member's message with the model and the member-scoped tools (src/llm/tools.ts), or returns
 * `undefined` so the core's keyword/intent matcher answers instead — always without a model, and whenever the
 * model fails, is late, is over budget or writes something `validateText` rejects (numbers, dates and names must
 * come from tool results; no links; the member's language; the channel's length).
 *
 * Nothing here changes a balance: the tools only read, and `prepare_claim` only returns confirmation buttons.
 *
 * Follow-ups ("and for the next tier?") resolve through a short conversation memory (src/llm/memory.ts): the last
 * validated turns of this chat and member are sent as prior user/assistant messages. They are context, never facts —
 * the validator still accepts only figures from this turn's tool results — and only replies that passed it are stored.
 */
import { generateText, stepCountIs } from "ai";
import type { AssistantContext, AssistantFn as ChatAssistantFn, OutgoingMessage } from "../channels/channel.ts";
import { getProgram } from "../program/service.ts";
import { copyFor, type Fmt } from "../messages/index.ts";
import { firstName, foldVietnamese, formatDate, type Lang } from "../messages/render.ts";
import { budgetSignal, estimateTokens, failureReason, logPath, usageTokens, type Llm } from "./llm.ts";
import { catalogNames } from "./offers.ts";
import {
  DEFAULT_MEMORY,
  readMemory,
  writeTurn,
  type ChatScope,
  type MemoryOptions,
  type MemoryTurn,
} from "./memory.ts";
import { renderPrompt } from "./prompts.ts";
import {
  DEFAULT_CLAIM_ACTIONS,
  memberTools,
  newToolRecord,
  type AssistantOffers,
  type ClaimActions,
  type ToolRecord,
} from "./tools.ts";
import { checkBudget, merchantLlmContext, recordUsage, usageDay } from "./usage.ts";
import { CHANNEL_TEXT_LIMIT, validateText, type Verdict } from "./validate.ts";

/** What the chat core passes for one free-text message. */
export type AssistantInput = AssistantContext;

/** The chat core's `assistant` hook: replies, or undefined for the keyword/intent path (declared in src/channels). */
export type AssistantFn = ChatAssistantFn;

export interface AssistantOptions {
  /** Offers for `list_offers` / `prepare_claim` (the chat core's OffersPort fits). */
  offers?: AssistantOffers | undefined;
  /** Button data for confirmations (defaults match bots/core `Btn`). */
  actions?: Partial<ClaimActions> | undefined;
  /** Longest answer (default 700 characters, never more than the channel allows). */
  maxChars?: number | undefined;
  /** Longest customer message sent to the model (default 600 characters); longer ones go to the intents. */
  maxInputChars?: number | undefined;
  /** Conversation memory (default: the Llm's, i.e. LLM_MEMORY_TURNS / LLM_MEMORY_TTL_MINUTES); `false` = none. */
  memory?: Partial<MemoryOptions> | false | undefined;
}

export const DEFAULT_ANSWER_MAX_CHARS = 700;
export const DEFAULT_MAX_INPUT_CHARS = 600;

/**
 * Claims that something was done (points added, a reward redeemed, a refund made) — the assistant can't do any of
 * that, so such a text is rejected (matched on the folded text; a few honest history answers fall back too).
 */
const ACTION_CLAIM = new RegExp(
  [
    String.raw`\b(da|vua)\s+(duoc\s+)?(cong|them|chuyen|nap|tang|bu|hoan|doi|quy doi|duyet)\b[^!?\n]{0,40}\b(diem|qua|voucher|xong|roi)\b`,
    String.raw`\bthanh cong\b`,
    String.raw`\b(have|has|'ve|'s|is|are|was|were)\s+(now\s+)?(been\s+)?(successfully\s+)?(added|credited|transferred|granted|topped up|given|redeemed|approved|refunded)\b`,
    String.raw`\b(i|we)('ve| have)?\s+(just\s+)?(successfully\s+)?(added|credited|transferred|granted|topped up|gave|redeemed|approved|refunded)\b`,
    String.raw`^\W*(done|xong)\b`,
  ].join("|"),
);

function checkAnswer(
  text: string,
  o: {
    lang: Lang;
    record: ToolRecord;
    maxChars: number;
    catalog: readonly string[];
    extraNames: string[];
    today: Date;
    timeZone: string;
  },
): Verdict {
  if (ACTION_CLAIM.test(foldVietnamese(text))) return { ok: false, reason: "action-claim" };
  const facts = o.record.facts;
  facts.addDate(o.today, o.timeZone);
  // Catalog names the answer may use: those that appeared in a tool result.
  const seen = o.record.seen.join("\n");
  const fromTools = o.catalog.filter((n) => seen.includes(foldVietnamese(n)));
  return validateText(text, {
    lang: o.lang,
    facts,
    maxChars: o.maxChars,
    allowedNames: [...o.record.names, ...fromTools, ...o.extraNames],
    catalogNames: o.catalog,
  });
}

/** Cosmetic: chat channels show plain text, so drop Markdown emphasis markers. */
function plain(text: string): string {
  return text
    .replace(/\*\*(.+?)\*\*/g, "$1")
    .replace(/__(.+?)__/g, "$1")
    .replace(/`([^`]+)`/g, "$1")
    .trim();
}

/** The deterministic confirmation when the model prepared a claim but its text was not usable. */
function claimTemplate(record: ToolRecord, fmt: Fmt): OutgoingMessage[] | undefined {
  const c = record.claim;
  if (!c) return undefined;
  const copy = copyFor(fmt.lang);
  if (c.kind === "reward")
    return [
      {
        text: copy.redeemConfirm(fmt, { name: c.name, cost: c.cost, balanceAfter: c.balanceAfter }),
        buttons: c.buttons,
      },
    ];
  return [{ text: copy.offers(fmt, [{ text: c.text, expiresAt: c.expiresAt }]), buttons: c.buttons }];
}

export function createAssistant(llm: Llm | undefined, opts: AssistantOptions = {}): AssistantFn {
  const actions: ClaimActions = { ...DEFAULT_CLAIM_ACTIONS, ...opts.actions };
  const maxInput = opts.maxInputChars ?? DEFAULT_MAX_INPUT_CHARS;
  const memory: MemoryOptions =
    opts.memory === false ? { ...DEFAULT_MEMORY, turns: 0 } : { ...DEFAULT_MEMORY, ...llm?.memory, ...opts.memory };

  return async function assistant(input: AssistantInput): Promise<OutgoingMessage[] | undefined> {
    const started = Date.now();
    const logger = input.logger.child({ module: "llm" });
    const skip = (reason: string, extra: Record<string, unknown> = {}): undefined => {
      logPath(logger, {
        task: "answer",
        llmPath: "template",
        reason,
        model: llm?.name,
        ms: Date.now() - started,
        ...extra,
      });
      return undefined;
    };
    if (!llm) return skip("no-model");
    const { db, member, merchantId, now, lang } = input;
    if (!member || !merchantId || member.merchantId !== merchantId) return skip("unlinked");
    const text = input.text.trim();
    if (text.length > maxInput) return skip("input-too-long");
    const wordChars = (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
    if (wordChars === 0 || (text.length > 40 && wordChars / text.length < 0.25)) return skip("no-words");

    const merchant = await merchantLlmContext(db, merchantId);
    if (!merchant) return skip("no-merchant");
    const day = usageDay(now, merchant.timeZone);
    const usageKey = { merchantId, day, memberId: member.id, task: "answer" as const };
    const budget = await checkBudget(db, merchant, day, member.id);
    if (!budget.ok) {
      await recordUsage(db, usageKey, { fallbacks: 1 }, now);
      return skip(budget.reason);
    }

    const program = await getProgram(db, merchantId);
    const fmt: Fmt = { lang, currency: program.currency, timeZone: merchant.timeZone };
    const maxChars = Math.min(opts.maxChars ?? DEFAULT_ANSWER_MAX_CHARS, CHANNEL_TEXT_LIMIT[input.channel]);
    const given = firstName(member.name);
    const system = renderPrompt("answer", lang, {
      shop: merchant.name,
      firstName: given ?? (lang === "vi" ? "bạn" : "there"),
      today: formatDate(now, lang, merchant.timeZone),
      maxChars,
    });
    const scope: ChatScope = { merchantId, channel: input.channel, chatId: input.userId, memberId: member.id };
    let earlier: MemoryTurn[] = [];
    try {
      earlier = await readMemory(db, scope, now, memory);
    } catch (err) {
      logger.warn("conversation memory unavailable", { error: err instanceof Error ? err.message : String(err) });
    }
    // Earlier turns are the customer's own words and our validated replies: plain conversation messages, never
    // instructions (the system prompt says so) and never facts (the validator only knows this turn's tool results).
    const messages = [
      ...earlier.flatMap((t) => [
        { role: "user" as const, content: t.user },
        { role: "assistant" as const, content: t.reply },
      ]),
      { role: "user" as const, content: text },
    ];
    const record = newToolRecord();
    const tools = memberTools({ db, merchantId, member, fmt, now, offers: opts.offers, actions, logger }, record);
    const signal = budgetSignal(llm.answerTimeoutMs);
    const fallback = async (
      reason: string,
      tokens: { inputTokens: number; outputTokens: number },
      extra: Record<string, unknown> = {},
    ) => {
      const claim = claimTemplate(record, fmt);
      await recordUsage(db, usageKey, { calls: 1, fallbacks: 1, ...tokens }, now);
      logPath(logger, {
        task: "answer",
        llmPath: "template",
        reason,
        model: llm.name,
        ms: Date.now() - started,
        tools: record.calls,
        refused: record.refused.length,
        ...tokens,
        ...extra,
      });
      return claim;
    };

    let answer: string;
    let tokens: { inputTokens: number; outputTokens: number };
    try {
      const result = await generateText({
        model: llm.model,
        instructions: system,
        messages,
        tools,
        stopWhen: stepCountIs(llm.maxSteps),
        abortSignal: signal,
        maxRetries: 0,
        temperature: 0.2,
        maxOutputTokens: 600,
      });
      tokens = usageTokens(result.totalUsage);
      answer = plain(result.text);
    } catch (err) {
      return fallback(
        failureReason(err, signal),
        { inputTokens: estimateTokens(system, ...messages.map((m) => m.content)), outputTokens: 0 },
        { error: err instanceof Error ? err.message.slice(0, 200) : String(err) },
      );
    }
    if (answer === "") return fallback("empty", tokens);
    const verdict = checkAnswer(answer, {
      lang,
      record,
      maxChars,
      catalog: await catalogNames(db, merchantId),
      extraNames: [merchant.name, ...(given ? [given] : []), ...program.tiers.map((t) => t.name)],
      today: now,
      timeZone: merchant.timeZone,
    });
    if (!verdict.ok) {
      // Figures in an answer may echo what the customer typed (a phone number): log how many, not which.
      const detail =
        verdict.reason === "unknown-figure" ? `${(verdict.detail ?? "").split(", ").length} figure(s)` : verdict.detail;
      return fallback(`rejected:${verdict.reason}`, tokens, { detail });
    }

    await recordUsage(db, usageKey, { calls: 1, modelReplies: 1, ...tokens }, now);
    try {
      await writeTurn(db, scope, { user: text, reply: answer }, earlier, now, memory);
    } catch (err) {
      logger.warn("conversation memory not written", { error: err instanceof Error ? err.message : String(err) });
    }
    logPath(logger, {
      task: "answer",
      llmPath: "model",
      reason: "model",
      model: llm.name,
      ms: Date.now() - started,
      tools: record.calls,
      refused: record.refused.length,
      ...tokens,
      memory: earlier.length,
    });
    const buttons = record.claim?.buttons;
    return [buttons ? { text: answer, buttons } : { text: answer }];
  };
}
