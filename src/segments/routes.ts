/** /v1/segments: the rule language over the merchant's members; built-in `recent-*` segments plus custom ones. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseBody } from "../http/validate.ts";
import { RuleDocSchema, SegmentInputSchema } from "./rule.ts";
import {
  createSegment,
  deleteSegment,
  listSegments,
  previewSegment,
  requireSegment,
  updateSegment,
} from "./service.ts";

export const segmentRoutes = new Hono<AppEnv>();

export const SegmentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  rule: RuleDocSchema,
  builtIn: z.boolean(),
  createdAt: z.string().nullable(),
});

const SegmentDocInput = z.object({ name: z.string().min(1).max(200), rule: RuleDocSchema });

const RULE_HELP =
  "A rule is {all:[…]}, {any:[…]}, {not: rule} or a condition {field, op, value, windowDays?}. Fields: daysSinceLastOrder (calendar days in the merchant's time zone; members without orders never match), orderCount (not fully refunded; windowDays default all time), netSpend (Σ total − refunds, windowDays default 365), pointsBalance (spendable), birthdayMonth (1–12), tier, purchasedCategory / purchasedSku (windowDays default 90), language (vi|en), channel (telegram|zalo|web), optedIn (boolean). Operators: eq, neq, gt, gte, lt, lte, between [lo, hi] (inclusive), in [values]; ordering operators only on number fields. A condition on a fact the member lacks (no order, no birthday) is false; `not` is the complement within the merchant's members. windowDays = the last N × 24 hours. Invalid rules → 400 with the dotted path of the node (rule.all.0.field).";

doc({
  method: "post",
  path: "/v1/segments",
  tag: "Segments",
  summary: "Create a custom segment",
  description: RULE_HELP,
  body: SegmentDocInput,
  responses: { 201: { description: "The segment", schema: SegmentViewSchema } },
});
segmentRoutes.post("/segments", async (c) => {
  const input = await parseBody(c, SegmentInputSchema);
  const seg = await createSegment(c.get("db"), c.get("merchantId"), input, c.get("deps").clock.now());
  return c.json(seg, 201);
});

doc({
  method: "get",
  path: "/v1/segments",
  tag: "Segments",
  summary: "Built-in (recent-7, recent-14, recent-28) and custom segments",
  responses: { 200: { description: "Segments", schema: z.object({ segments: z.array(SegmentViewSchema) }) } },
});
segmentRoutes.get("/segments", async (c) => c.json({ segments: await listSegments(c.get("db"), c.get("merchantId")) }));

doc({
  method: "get",
  path: "/v1/segments/{id}",
  tag: "Segments",
  summary: "One segment",
  responses: {
    200: { description: "The segment", schema: SegmentViewSchema },
    404: { description: "No such segment of this merchant" },
  },
});
segmentRoutes.get("/segments/:id", async (c) =>
  c.json(await requireSegment(c.get("db"), c.get("merchantId"), c.req.param("id"))),
);

doc({
  method: "put",
  path: "/v1/segments/{id}",
  tag: "Segments",
  summary: "Rename a custom segment and/or replace its rule",
  description: `${RULE_HELP} Campaigns not yet started use the new rule when they start. A built-in segment → 409 built-in-segment.`,
  body: SegmentDocInput,
  responses: {
    200: { description: "The segment", schema: SegmentViewSchema },
    404: { description: "No such segment of this merchant" },
    409: { description: "built-in-segment" },
  },
});
segmentRoutes.put("/segments/:id", async (c) => {
  const input = await parseBody(c, SegmentInputSchema);
  return c.json(await updateSegment(c.get("db"), c.get("merchantId"), c.req.param("id"), input));
});

doc({
  method: "delete",
  path: "/v1/segments/{id}",
  tag: "Segments",
  summary: "Delete a custom segment",
  description:
    "Refused (409 segment-in-use, with usedBy) while a draft, scheduled or sending campaign or the reactivation journey uses it; a built-in segment → 409 built-in-segment.",
  responses: {
    204: { description: "Deleted" },
    404: { description: "No such segment of this merchant" },
    409: { description: "segment-in-use or built-in-segment" },
  },
});
segmentRoutes.delete("/segments/:id", async (c) => {
  await deleteSegment(c.get("db"), c.get("merchantId"), c.req.param("id"));
  return c.body(null, 204);
});

const PreviewSchema = z.object({
  count: z.number().int(),
  sample: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable(),
      phone: z.string().nullable(),
      language: z.string(),
      tier: z.string().nullable(),
      optedIn: z.boolean(),
    }),
  ),
});

doc({
  method: "get",
  path: "/v1/segments/{id}/preview",
  tag: "Segments",
  summary: "How many members match now, and a sample of up to 20",
  responses: {
    200: { description: "Count and sample", schema: PreviewSchema },
    404: { description: "No such segment of this merchant" },
  },
});
segmentRoutes.get("/segments/:id/preview", async (c) => {
  const db = c.get("db");
  const merchantId = c.get("merchantId");
  const seg = await requireSegment(db, merchantId, c.req.param("id"));
  return c.json(await previewSegment(db, merchantId, seg.rule, c.get("deps").clock.now()));
});
