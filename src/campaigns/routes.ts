/** /v1/campaigns and /v1/messaging/settings. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { apiRoutes, found, pageOf } from "../http/route.ts";
import {
  campaignKpis,
  cancelCampaign,
  createCampaign,
  CreateCampaignSchema,
  getCampaignView,
  listCampaigns,
  startCampaign,
} from "./service.ts";
import { getMessagingSettings, MessagingSettingsSchema, putMessagingSettings, QuietHoursSchema } from "./settings.ts";
import { wakeDeliveryWorkers } from "./worker.ts";
import { MessageSchema } from "./service.ts";

export const campaignRoutes = new Hono<AppEnv>();
const api = apiRoutes(campaignRoutes, "Campaigns");

const Counts = z.object({
  recipients: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  blocked: z.number().int(),
  optedOut: z.number().int(),
  skippedCap: z.number().int(),
  control: z.number().int(),
});

const Group = z.object({
  members: z.number(),
  conversions: z.number(),
  conversionRate: z.number().nullable(),
  orders: z.number(),
  revenue: z.number(),
  claims: z.number().int(),
});

const Kpis = z.object({
  attributionDays: z.number().int(),
  delivered: z.number().int(),
  claims: z.number().int().nullable(),
  conversions: z.number().int(),
  conversionRate: z.number().nullable(),
  orders: z.number().int(),
  revenue: z.number().int(),
  aov: z.number().nullable(),
  control: Group,
  uplift: z.object({
    conversionRate: z.number().nullable(),
    relative: z.number().nullable(),
    incrementalConversions: z.number().nullable(),
    incrementalRevenue: z.number().nullable(),
  }),
});

export const CampaignViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(["draft", "scheduled", "sending", "done", "cancelled"]),
  segmentId: z.string(),
  message: MessageSchema,
  offerId: z.string().nullable(),
  sendAt: z.string().nullable(),
  controlPercent: z.number(),
  quietHours: QuietHoursSchema.nullable(),
  attributionDays: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  counts: Counts.describe(
    "recipients is fixed when sending starts; when done, sent + failed + blocked + optedOut + skippedCap + control = recipients",
  ),
  pending: z.number().int().describe("Recipients not settled yet (queued or being sent)"),
  kpis: Kpis.optional().describe(
    "Attribution: orders within attributionDays after delivery (control: after the start); uplift = treated − control conversion rate",
  ),
});

api.post(
  "/v1/campaigns",
  {
    summary: "Create a campaign (draft, or scheduled when sendAt is given)",
    description:
      "message holds {vi, en} templates with {{firstName}} {{name}} {{points}} {{tier}}; a member gets their language, else vi. controlPercent (0–50, default 0) holds out a control group; quietHours overrides the merchant's; offerId adds a claim button. An unknown segmentId → 404 segment-not-found.",
    body: CreateCampaignSchema,
    responses: {
      201: { description: "The campaign", schema: CampaignViewSchema },
      404: { description: "Unknown segment" },
    },
  },
  async ({ db, merchantId, now, body: input }) => {
    return await createCampaign(db, merchantId, input, now);
  },
);

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().optional().describe("Cursor: the last id of the previous page"),
});

api.get(
  "/v1/campaigns",
  {
    summary: "Campaigns, newest first, with counts",
    query: ListQuery,
    responses: {
      200: {
        description: "A page of campaigns",
        schema: pageOf("campaigns", CampaignViewSchema),
      },
    },
  },
  async ({ db, merchantId, query: q }) => {
    return await listCampaigns(db, merchantId, q);
  },
);

api.get(
  "/v1/campaigns/{id}",
  {
    summary: "A campaign: status, counts and KPIs (delivered, conversions, attributed revenue, AOV, uplift vs control)",
    responses: found("The campaign", CampaignViewSchema, "No such campaign of this merchant"),
  },
  async ({ db, merchantId, now, param }) => {
    const v = await getCampaignView(db, merchantId, param("id"));
    const kpis =
      v.status === "sending" || v.status === "done" ? await campaignKpis(db, merchantId, v.id, now) : undefined;
    return { ...v, ...(kpis ? { kpis } : {}) };
  },
);

api.post(
  "/v1/campaigns/{id}/send",
  {
    summary: "Send now: fixes the recipients and starts delivery within seconds (no body)",
    description:
      "An already sending or sent campaign → 409 already-sent. Works for drafts and scheduled campaigns (sends at once).",
    responses: {
      202: {
        description: "Sending",
        schema: z.object({ id: z.string(), status: z.literal("sending"), recipients: z.number().int() }),
      },
      404: { description: "No such campaign of this merchant" },
      409: { description: "Already sending or sent (…/already-sent), or cancelled" },
    },
  },
  async ({ db, merchantId, now, param }) => {
    const r = await startCampaign(db, merchantId, param("id"), now);
    wakeDeliveryWorkers();
    return { id: r.id, status: "sending" as const, recipients: r.recipients };
  },
);

api.post(
  "/v1/campaigns/{id}/cancel",
  {
    summary: "Cancel a draft or scheduled campaign (no body)",
    responses: {
      200: { description: "The campaign", schema: CampaignViewSchema },
      404: { description: "No such campaign" },
      409: { description: "Already sending or sent" },
    },
  },
  async ({ db, merchantId, param }) => {
    await cancelCampaign(db, merchantId, param("id"));
    return await getCampaignView(db, merchantId, param("id"));
  },
);

// ---- settings ----

api.get(
  "/v1/messaging/settings",
  {
    summary:
      "Promotional messaging settings: frequency cap (default 2/day, 5/week), quiet hours (default off), attribution window",
    responses: { 200: { description: "Settings", schema: MessagingSettingsSchema } },
  },
  async ({ db, merchantId }) => {
    const { timezone: _tz, ...s } = await getMessagingSettings(db, merchantId);
    return s;
  },
);

api.put(
  "/v1/messaging/settings",
  {
    summary: "Replace the promotional messaging settings (fields left out take the defaults)",
    description:
      'Example: {"frequencyCap": {"perDay": 1, "perWeek": 3}, "quietHours": {"start": "21:00", "end": "08:00"}, "attributionDays": 7}. frequencyCap null = no cap; quietHours null = none. Times are in the merchant\'s time zone.',
    body: MessagingSettingsSchema,
    responses: { 200: { description: "Settings now in force", schema: MessagingSettingsSchema } },
  },
  async ({ db, merchantId, body: s }) => {
    return await putMessagingSettings(db, merchantId, s);
  },
);
