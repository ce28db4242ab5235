/**
 * The configured model plus the knobs every task shares (time budgets, step limit) and the structured log line
 * each task writes: `{ msg: "llm", task, llmPath: "model" | "template", reason, … }`.
 */
import type { LanguageModel, LanguageModelUsage } from "ai";
import type { Logger } from "../lib/log.ts";
import { silentLogger } from "../lib/log.ts";
import { DEFAULT_MEMORY, type MemoryOptions } from "./memory.ts";
import { modelFromConfig, type LlmConfig } from "./provider.ts";

export interface Llm {
  readonly model: LanguageModel;
  /** `provider:model`, logged and stored with cached phrasings. */
  readonly name: string;
  /** Offer phrasing budget (default 3 s): after it, the template. */
  readonly offerTimeoutMs: number;
  /** Free-text answer budget, all tool steps included (default 8 s): after it, the keyword path. */
  readonly answerTimeoutMs: number;
  /** Model steps per answer (tool round trips + the final text), default 5. */
  readonly maxSteps: number;
  /** The assistant's conversation memory (LLM_MEMORY_TURNS, LLM_MEMORY_TTL_MINUTES; defaults 6 turns, 30 min). */
  readonly memory: MemoryOptions;
  readonly logger: Logger;
}

export interface LlmOptions {
  /** Use this model instead of the configured provider (tests, the Workers AI binding, any AI SDK model). */
  model?: LanguageModel;
  /** Name for an injected model (default `provider:modelId` when the model tells). */
  name?: string;
  /** Custom fetch for the HTTP providers. */
  fetch?: typeof fetch;
  offerTimeoutMs?: number;
  answerTimeoutMs?: number;
  maxSteps?: number;
  memory?: Partial<MemoryOptions>;
  logger?: Logger;
}

export const DEFAULT_OFFER_TIMEOUT_MS = 3_000;
export const DEFAULT_ANSWER_TIMEOUT_MS = 8_000;

function modelName(model: LanguageModel): string {
  if (typeof model === "string") return model;
  return `${model.provider}:${model.modelId}`;
}

/**
 * The LLM for this process, or undefined when none is configured (then callers use templates and intents — a
 * normal mode, not an error; an incomplete configuration is logged once as a warning).
 */
export function createLlm(config: LlmConfig, opts: LlmOptions = {}): Llm | undefined {
  const logger = (opts.logger ?? silentLogger).child({ module: "llm" });
  let model: LanguageModel;
  let name: string;
  if (opts.model) {
    model = opts.model;
    name = opts.name ?? modelName(opts.model);
  } else {
    const choice = modelFromConfig(config, opts.fetch);
    if (!choice.ok) {
      if (config.LLM_PROVIDER)
        logger.warn("LLM configuration incomplete; using templates and intents", { reason: choice.reason });
      return undefined;
    }
    model = choice.model;
    name = choice.name;
  }
  // The AI SDK prints provider warnings with console.warn unless told otherwise: route them to the log.
  if (globalThis.AI_SDK_LOG_WARNINGS === undefined) {
    globalThis.AI_SDK_LOG_WARNINGS = ({ warnings, provider, model: m }) => {
      if (warnings.length > 0)
        logger.debug("ai sdk warnings", { provider, model: m, warnings: warnings.map((w) => JSON.stringify(w)) });
    };
  }
  return {
    model,
    name,
    offerTimeoutMs: opts.offerTimeoutMs ?? DEFAULT_OFFER_TIMEOUT_MS,
    answerTimeoutMs: opts.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
    maxSteps: opts.maxSteps ?? 5,
    memory: {
      turns: opts.memory?.turns ?? config.LLM_MEMORY_TURNS ?? DEFAULT_MEMORY.turns,
      ttlMs:
        opts.memory?.ttlMs ??
        (config.LLM_MEMORY_TTL_MINUTES !== undefined ? config.LLM_MEMORY_TTL_MINUTES * 60_000 : DEFAULT_MEMORY.ttlMs),
    },
    logger,
  };
}

export interface LlmLogFields {
  task: "answer" | "offer";
  llmPath: "model" | "template";
  reason: string;
  model?: string | undefined;
  ms?: number | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  [k: string]: unknown;
}

/** One structured line per task: which path answered and why. Never the customer's text. */
export function logPath(logger: Logger, f: LlmLogFields): void {
  // Without a model the template path is the normal mode: not worth an info line per message.
  if (f.llmPath === "template" && f.reason === "no-model") logger.debug("llm", f);
  else logger.info("llm", f);
}

export function usageTokens(u: LanguageModelUsage | undefined): { inputTokens: number; outputTokens: number } {
  return { inputTokens: u?.inputTokens ?? 0, outputTokens: u?.outputTokens ?? 0 };
}

/** A rough token count (≈ 4 characters a token) for calls that failed before reporting usage. */
export function estimateTokens(...texts: string[]): number {
  return Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4);
}

/** A time budget plus an optional caller signal. */
export function budgetSignal(ms: number, outer?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return outer ? AbortSignal.any([timeout, outer]) : timeout;
}

/** Why a model call failed, for the log: "timeout", "aborted", "schema", or the error's name. */
export function failureReason(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const r: unknown = signal.reason;
    return r instanceof Error && r.name === "TimeoutError" ? "timeout" : "aborted";
  }
  if (err instanceof Error) {
    if (
      err.name === "AI_NoObjectGeneratedError" ||
      err.name === "AI_NoOutputGeneratedError" ||
      err.name === "AI_TypeValidationError" ||
      err.name === "AI_JSONParseError"
    )
      return "schema";
    if (err.name === "TimeoutError" || err.name === "AbortError") return "timeout";
    return `error:${err.name}`;
  }
  return "error";
}
