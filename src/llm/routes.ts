/** /v1/llm: model usage for a dashboard (calls, tokens, fallbacks, cache hits per day) and the merchant's LLM settings. */
import { z } from "zod";
import { apiGroup, ok } from "../http/route.ts";
import { modelFromConfig } from "./provider.ts";
import {
  LlmSettingsSchema,
  merchantLlmContext,
  llmSettings,
  tokensUsed,
  topMembers,
  usageByDay,
  usageDay,
} from "./usage.ts";
import { notFound } from "../http/problem.ts";
import { describedInts, ints } from "../lib/schemas/fields.ts";

const api = apiGroup("LLM");

const Counters = {
  ...describedInts({
    calls: "Requests sent to the model",
    modelReplies: "Model texts that passed validation and were sent",
    fallbacks: "Answers by the templates / keyword intents instead (no budget, error, timeout, rejected text)",
    cacheHits: "Offer phrasings reused from the cache",
  }),
  ...ints("inputTokens", "outputTokens"),
};

const UsageSchema = z.object({
  model: z.object({ configured: z.boolean(), name: z.string().nullable() }),
  settings: LlmSettingsSchema,
  today: z.object({
    day: z.string().describe("The merchant's local day, YYYY-MM-DD"),
    tokens: z.number().int(),
    merchantDailyTokens: z.number().int(),
    remaining: z.number().int(),
  }),
  days: z.array(z.object({ day: z.string(), task: z.enum(["answer", "offer"]), ...Counters })),
  topMembersToday: z.array(z.object({ memberId: z.string(), tokens: z.number().int(), calls: z.number().int() })),
});

const UsageQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(7) });

api.get(
  "/v1/llm/usage",
  {
    summary: "Model calls, tokens, fallbacks and cache hits per day and task (answer | offer), for a dashboard",
    description:
      "Counts are kept per merchant-local day. `fallbacks` counts messages answered by the deterministic templates or keyword intents after a model attempt or a skip (budget spent, disabled, timeout, invalid output, text rejected by the validator). Without LLM_PROVIDER every answer uses the templates and nothing is counted.",
    query: UsageQuery,
    responses: ok("Usage", UsageSchema),
  },
  async ({ db, merchantId, deps, now, query: { days } }) => {
    const m = await merchantLlmContext(db, merchantId);
    if (!m) throw notFound("Merchant", "merchant-not-found");
    const today = usageDay(now, m.timeZone);
    const from = usageDay(new Date(now.getTime() - (days - 1) * 86_400_000), m.timeZone);
    const used = await tokensUsed(db, merchantId, today);
    const choice = modelFromConfig(deps.config);
    const body: z.input<typeof UsageSchema> = {
      model: { configured: choice.ok, name: choice.ok ? choice.name : null },
      settings: m.settings,
      today: {
        day: today,
        tokens: used.merchant,
        merchantDailyTokens: m.settings.merchantDailyTokens,
        remaining: Math.max(0, m.settings.merchantDailyTokens - used.merchant),
      },
      days: await usageByDay(db, merchantId, from, today),
      topMembersToday: await topMembers(db, merchantId, today),
    };
    return body;
  },
);

api.get(
  "/v1/llm/settings",
  {
    summary: "The merchant's LLM settings (enabled, daily token budgets, phrasing cache days)",
    responses: ok("Settings", LlmSettingsSchema),
  },
  async ({ db, merchantId }) => {
    const m = await merchantLlmContext(db, merchantId);
    if (!m) throw notFound("Merchant", "merchant-not-found");
    return m.settings;
  },
);

api.put(
  "/v1/llm/settings",
  {
    summary: "Replace the merchant's LLM settings (omitted fields take their defaults)",
    description:
      "enabled=false keeps this merchant on the deterministic templates and intents. memberDailyTokens caps one member's free-text answers per local day (default 20000); merchantDailyTokens caps the whole merchant (default 1000000); phrasingCacheDays is how long an offer phrasing is reused (default 7, 0 = no cache).",
    body: LlmSettingsSchema,
    responses: ok("The stored settings", LlmSettingsSchema),
  },
  ({ db, merchantId, body: s }) => llmSettings.put(db, merchantId, s),
);

export const llmRoutes = api.app;
