/** /v1/segments: the rule language over the merchant's members; built-in `recent-*` segments plus custom ones. */
import { z } from "zod";
import { apiGroup, found, listOf, created, noContent, ok } from "../http/route.ts";
import { RuleDocSchema, SegmentInputSchema } from "./rule.ts";
import {
  createSegment,
  deleteSegment,
  listSegments,
  previewSegment,
  requireSegment,
  segmentVersionList,
  updateSegment,
} from "./service.ts";
import { auditExport, EXPORT_PURPOSES, segmentCsvStream } from "./export.ts";
import { nullableStrings } from "../lib/schemas/fields.ts";

const api = apiGroup("Segments");

export const SegmentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  rule: RuleDocSchema,
  builtIn: z.boolean(),
  createdAt: z.string().nullable(),
});

const SegmentDocInput = z.object({ name: z.string().min(1).max(200), rule: RuleDocSchema });

const RULE_HELP =
  "A rule is {all:[…]}, {any:[…]}, {not: rule} or a condition {field, op, value, windowDays?}. Fields: daysSinceLastOrder (calendar days in the merchant's time zone; members without orders never match), orderCount (not fully refunded; windowDays default all time), netSpend (Σ total − refunds, windowDays default 365), pointsBalance (spendable), birthdayMonth (1–12), tier, purchasedCategory / purchasedSku (windowDays default 90), store (a store id of GET /v1/stores: has an order at one of these stores in windowDays, default 90; orders refunded in full do not count; an unknown store id → 400 at its value), language (vi|en), channel (telegram|zalo|web), optedIn (boolean). Operators: eq, neq, gt, gte, lt, lte, between [lo, hi] (inclusive), in [values]; ordering operators only on number fields. A condition on a fact the member lacks (no order, no birthday) is false; `not` is the complement within the merchant's members. windowDays = the last N × 24 hours. Invalid rules → 400 with the dotted path of the node (rule.all.0.field).";

api.post(
  "/v1/segments",
  {
    summary: "Create a custom segment",
    description: RULE_HELP,
    body: SegmentInputSchema,
    documentedBody: SegmentDocInput,
    responses: created("The segment", SegmentViewSchema),
  },
  async ({ c, db, merchantId, now, body: input }) => await createSegment(db, merchantId, input, now, c.get("actor")),
);

api.get(
  "/v1/segments",
  {
    summary: "Built-in (recent-7, recent-14, recent-28) and custom segments",
    responses: ok("Segments", listOf("segments", SegmentViewSchema)),
  },
  async ({ db, merchantId }) => ({ segments: await listSegments(db, merchantId) }),
);

api.get(
  "/v1/segments/{id}",
  {
    summary: "One segment",
    responses: found("The segment", SegmentViewSchema, "No such segment of this merchant"),
  },
  ({ db, merchantId, param }) => requireSegment(db, merchantId, param("id")),
);

api.put(
  "/v1/segments/{id}",
  {
    summary: "Rename a custom segment and/or replace its rule",
    description: `${RULE_HELP} Campaigns not yet started use the new rule when they start. A built-in segment → 409 built-in-segment.`,
    body: SegmentInputSchema,
    documentedBody: SegmentDocInput,
    responses: ok("The segment", SegmentViewSchema, {
      404: "No such segment of this merchant",
      409: "built-in-segment",
    }),
  },
  async ({ c, db, merchantId, now, param, body }) =>
    await updateSegment(db, merchantId, param("id"), body, now, c.get("actor")),
);

api.delete(
  "/v1/segments/{id}",
  {
    summary: "Delete a custom segment",
    description:
      "Refused (409 segment-in-use, with usedBy) while a draft, scheduled or sending campaign or the reactivation journey uses it; a built-in segment → 409 built-in-segment.",
    responses: noContent("Deleted", {
      404: "No such segment of this merchant",
      409: "segment-in-use or built-in-segment",
    }),
  },
  async ({ c, db, merchantId, now, param }) => {
    await deleteSegment(db, merchantId, param("id"), now, c.get("actor"));
    return c.body(null, 204);
  },
);

const PreviewSchema = z.object({
  count: z.number().int(),
  sample: z.array(
    z.object({
      id: z.string(),
      ...nullableStrings("name", "phone"),
      language: z.string(),
      tier: z.string().nullable(),
      optedIn: z.boolean(),
    }),
  ),
});

api.get(
  "/v1/segments/{id}/preview",
  {
    summary: "How many members match now, and a sample of up to 20",
    responses: found("Count and sample", PreviewSchema, "No such segment of this merchant"),
  },
  async ({ db, merchantId, now, param }) =>
    previewSegment(db, merchantId, (await requireSegment(db, merchantId, param("id"))).rule, now),
);

const ExportQuery = z.object({
  purpose: z
    .enum(EXPORT_PURPOSES)
    .describe("marketing: only members who consented to marketing; service: every member of the segment"),
});

api.get(
  "/v1/segments/{id}/export",
  {
    summary: "The segment's members as CSV (streamed), for marketing or service use",
    description:
      "Columns: id, name, phone, email, tier, balance (spendable points), last_order_date (merchant's time zone), loyalty_terms_consent (true/false, empty if never recorded), marketing_consent. Erased members are left out; purpose=marketing leaves out members without marketing consent. UTF-8 with a BOM, RFC 4180 quoting, cells that a spreadsheet would read as a formula start with '. Every export is written to the audit log.",
    query: ExportQuery,
    responses: {
      200: { description: "CSV, one member a line, by member id", contentType: "text/csv" },
      404: { description: "No such segment of this merchant" },
    },
  },
  async ({ c, db, merchantId, now, param, query }) => {
    const seg = await requireSegment(db, merchantId, param("id"));
    const stream = await segmentCsvStream(db, merchantId, seg.rule, query.purpose, now);
    await auditExport(
      db,
      { merchantId, actor: c.get("actor"), target: c.req.path, requestId: c.get("requestId"), purpose: query.purpose },
      now,
    );
    return new Response(stream, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "cache-control": "no-store",
        "content-disposition": `attachment; filename="segment-${seg.id}-${query.purpose}.csv"`,
      },
    });
  },
);

const VersionSchema = z.object({
  version: z.number().int(),
  name: z.string(),
  rule: RuleDocSchema,
  action: z.enum(["create", "update", "delete"]),
  actor: z.string().describe("key:<api key id>, console:<api key id>, or backfill (a segment older than the history)"),
  at: z.string(),
});

api.get(
  "/v1/segments/{id}/versions",
  {
    summary: "A custom segment's rule history, newest first (kept after the segment is deleted)",
    responses: found("The versions", listOf("versions", VersionSchema), "No such segment of this merchant, ever"),
  },
  async ({ db, merchantId, param }) => ({ versions: await segmentVersionList(db, merchantId, param("id")) }),
);

export const segmentRoutes = api.app;
