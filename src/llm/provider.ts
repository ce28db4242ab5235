/**
 * The language model, chosen by configuration (Vercel AI SDK providers):
 *   LLM_PROVIDER=openai             LLM_API_KEY, LLM_MODEL (default gpt-4o-mini), LLM_BASE_URL optional (a proxy /
 *                                   gateway speaking the Chat Completions API)
 *   LLM_PROVIDER=anthropic          LLM_API_KEY, LLM_MODEL (default claude-3-5-haiku-latest)
 *   LLM_PROVIDER=openai-compatible  LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1 for Ollama, vLLM), LLM_MODEL,
 *                                   LLM_API_KEY optional
 * No LLM_PROVIDER (or an incomplete configuration) → no model: the deterministic template / intent path.
 * Any other AI SDK model (e.g. the Workers AI binding through `workers-ai-provider`) can be injected instead.
 */
import type { LanguageModel } from "ai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { Config } from "../config.ts";

export type LlmConfig = Pick<Config, "LLM_PROVIDER" | "LLM_MODEL" | "LLM_API_KEY" | "LLM_BASE_URL"> &
  Partial<Pick<Config, "LLM_MEMORY_TURNS" | "LLM_MEMORY_TTL_MINUTES">>;

export const DEFAULT_MODELS = { openai: "gpt-4o-mini", anthropic: "claude-3-5-haiku-latest" } as const;

export type ModelChoice = { ok: true; model: LanguageModel; name: string } | { ok: false; reason: string };

export function modelFromConfig(config: LlmConfig, fetchImpl?: typeof fetch): ModelChoice {
  const apiKey = config.LLM_API_KEY;
  const extra = fetchImpl ? { fetch: fetchImpl } : {};
  switch (config.LLM_PROVIDER) {
    case undefined:
      return { ok: false, reason: "LLM_PROVIDER is not set" };
    case "openai": {
      const modelId = config.LLM_MODEL ?? DEFAULT_MODELS.openai;
      const p = createOpenAI({
        ...(apiKey ? { apiKey } : {}),
        ...(config.LLM_BASE_URL ? { baseURL: config.LLM_BASE_URL } : {}),
        ...extra,
      });
      return { ok: true, model: config.LLM_BASE_URL ? p.chat(modelId) : p(modelId), name: `openai:${modelId}` };
    }
    case "anthropic": {
      const modelId = config.LLM_MODEL ?? DEFAULT_MODELS.anthropic;
      const p = createAnthropic({ ...(apiKey ? { apiKey } : {}), ...extra });
      return { ok: true, model: p(modelId), name: `anthropic:${modelId}` };
    }
    case "openai-compatible": {
      if (!config.LLM_BASE_URL) return { ok: false, reason: "LLM_PROVIDER=openai-compatible needs LLM_BASE_URL" };
      if (!config.LLM_MODEL) return { ok: false, reason: "LLM_PROVIDER=openai-compatible needs LLM_MODEL" };
      const p = createOpenAICompatible({
        name: "openai-compatible",
        baseURL: config.LLM_BASE_URL,
        ...(apiKey ? { apiKey } : {}),
        includeUsage: true,
        // Ollama, vLLM and llama.cpp accept response_format json_schema.
        supportsStructuredOutputs: true,
        ...extra,
      });
      return { ok: true, model: p(config.LLM_MODEL), name: `openai-compatible:${config.LLM_MODEL}` };
    }
  }
}
