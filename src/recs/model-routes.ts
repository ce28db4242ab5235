/** HTTP: product recommendations from the co-purchase model, and the model itself (info, rebuild). */
import { z } from "zod";
import { apiGroup, found, ints, listOf, ok, createdOrOk } from "../http/route.ts";
import { Problem } from "../http/problem.ts";
import { buildModelOnce, buildModel, modelInfo } from "./build.ts";
import { currentModel, recommendationsFor } from "./model.ts";

const api = apiGroup("Recommendations");

const MAX_RECOMMENDATIONS = 20;

export const RecommendationsQuery = z.object({
  limit: z.coerce.number().int().min(1).default(5).describe("How many items (default 5; above 20 → 20)"),
});

const RecommendationView = z.object({
  sku: z.string(),
  name: z.string().nullable().describe("From the product catalog; null when unknown"),
  confidence: z.number().describe("count(sku ∪ item) / count(sku)"),
  lift: z.number().describe("confidence / support(item); always > 1 here"),
  support: z.number().describe("count(sku ∪ item) / N"),
});

api.get(
  "/v1/products/{sku}/recommendations",
  {
    summary: "Frequently bought together: the rules {sku} → item of the current co-purchase model",
    description:
      "Rules with a single-item lhs = {sku} and lift > 1 from the merchant's current model (built by `recs build`, nightly, or on first use), best first by the blended score (the rule's confidence shrunk toward the item's popularity — the method that won `recs evaluate`), ties by support then sku. The model covers every order at build time (guest orders included, fully refunded orders excluded); later orders count from the next build. An unknown sku → 200 with an empty list.",
    query: RecommendationsQuery,
    responses: ok("Recommended items", listOf("items", RecommendationView), { 400: "limit not a positive integer" }),
  },
  async ({ db, merchantId, now, param, query: q }) => {
    const model = await currentModel(db, merchantId, now, { lazy: true });
    // "max 20": a larger limit is capped rather than refused.
    return {
      items: await recommendationsFor(db, merchantId, model, param("sku"), Math.min(q.limit, MAX_RECOMMENDATIONS)),
    };
  },
);

const ModelView = z.object({
  id: z.string(),
  version: z.number().int(),
  builtAt: z.string(),
  nTransactions: z.number().int(),
  params: z.object({
    minSupport: z.number(),
    minConfidence: z.number(),
    ...ints("maxLen", "minCount", "items", "rules"),
    fingerprint: z.string(),
    ms: z.number(),
    auto: z.boolean(),
  }),
});

api.get(
  "/v1/recs/model",
  {
    summary: "The current co-purchase model (version, build time, transactions, thresholds)",
    responses: found("The model", ModelView, "model-not-found: never built"),
  },
  async ({ db, merchantId, now }) => {
    const m = await currentModel(db, merchantId, now);
    if (!m)
      throw new Problem(
        404,
        "model-not-found",
        "Not found",
        "No co-purchase model has been built yet: POST /v1/recs/model/builds or `recs build`",
      );
    return modelInfo(m);
  },
);

export const BuildModelSchema = z.object({
  minSupport: z.number().gt(0).max(1).optional().describe("Default 0.001"),
  minConfidence: z.number().min(0).max(1).optional().describe("Default 0.05"),
  maxLen: z.number().int().min(2).max(5).optional().describe("Items per rule (lhs + rhs), default 3"),
  force: z.boolean().optional().describe("Build even when no order or refund was added since the current model"),
});

const BuildResultView = z.object({
  status: z.enum(["built", "unchanged"]),
  model: ModelView,
  pruned: z.number().int(),
  ms: z.number(),
});

api.post(
  "/v1/recs/model/builds",
  {
    summary: "Rebuild the co-purchase model now (same as `recs build`); the body is optional",
    description:
      "Mines every order of the merchant (guest orders included, fully refunded orders excluded) and stores a new model version; the previous 4 versions are kept. When nothing changed since the current model (and the thresholds are the same) the current model is returned with status `unchanged`.",
    body: BuildModelSchema,
    responses: createdOrOk(BuildResultView, {
      201: "A new version was built",
      200: "Nothing changed: the current model (status unchanged)",
    }),
  },
  async ({ c, db, merchantId, now, body: input }) => {
    const explicit =
      input.minSupport !== undefined || input.minConfidence !== undefined || input.maxLen !== undefined || input.force;
    const r = explicit ? await buildModel(db, merchantId, now, input) : await buildModelOnce(db, merchantId, now);
    return c.json(r, r.status === "built" ? 201 : 200);
  },
);

export const recsModelRoutes = api.app;
