/** /v1/campaigns and /v1/messaging/settings. */
import { z } from "zod";
import { apiGroup, created, found, ints, ok, pageOf, settingsRoutes } from "../http/route.ts";
import {
  campaignKpis,
  cancelCampaign,
  createCampaign,
  estimateCampaign,
  CreateCampaignSchema,
  getCampaignView,
  listCampaigns,
  startCampaign,
} from "./service.ts";
import { MessagingSettingsSchema, messagingSettings, QuietHoursSchema } from "./settings.ts";
import { wakeDeliveryWorkers } from "./worker.ts";
import { SendWarningSchema } from "./guard.ts";
import { MessageSchema, ZnsOfferSchema } from "./service.ts";
import { ChannelChoiceSchema } from "./routing.ts";
import { CampaignPreviewSchema, previewCampaign } from "./preview.ts";
import { lastIdCursor, pageLimit } from "../lib/schemas/fields.ts";
import { storeFilter } from "../stores/service.ts";
import { storeFilterParam } from "../stores/schemas.ts";

const api = apiGroup("Campaigns");

const Counts = z.object(ints("recipients", "sent", "failed", "blocked", "optedOut", "skippedCap", "control"));

const ChannelCounts = Counts.extend({
  pending: z.number().int(),
  delivered: z.number().int().describe("Chats: = sent; ZNS: delivery receipts (user_received_message)"),
  cost: z.number().int().optional().describe("ZNS: sent × pricePerMessage (VND)"),
});

const Group = z.object({
  members: z.number(),
  conversions: z.number(),
  conversionRate: z.number().nullable(),
  orders: z.number(),
  revenue: z.number(),
  claims: z.number().int(),
});

const CampaignQuery = z.object({
  storeId: storeFilterParam(
    "the KPIs' orders, conversions, revenue, AOV and uplift (both groups). Delivered and claims stay campaign-wide.",
  ),
});

const Kpis = z.object({
  attributionDays: z.number().int(),
  storeId: z.string().nullable().describe("The store the order figures are limited to (?storeId=); null = all orders"),
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
  channel: ChannelChoiceSchema,
  znsTemplateId: z.string().nullable(),
  znsOffer: ZnsOfferSchema.nullable(),
  skipped: z
    .object({ total: z.number().int(), reasons: z.record(z.string(), z.number().int()) })
    .describe("Members of the segment reached on no channel (not recipients), by reason: no-phone, no-consent"),
  byChannel: z
    .record(z.string(), ChannelCounts)
    .describe(
      "Per channel (telegram, zalo, web, zns): the counts of its recipients; the channels' recipients add up to counts.recipients",
    ),
  kpis: Kpis.optional().describe(
    "Attribution: orders within attributionDays after delivery (control: after the start); uplift = treated − control conversion rate",
  ),
});

api.post(
  "/v1/campaigns",
  {
    summary: "Create a campaign (draft, or scheduled when sendAt is given)",
    description:
      "message holds {vi, en} templates with {{firstName}} {{name}} {{points}} {{tier}}; a member gets their language, else vi. controlPercent (0–50, default 0) holds out a control group; quietHours overrides the merchant's; offerId adds a claim button. channel (auto | chat | zns, default auto) chooses per member: linked chat first, else ZNS with znsTemplateId (phone + marketing consent), else skipped with a reason. An unknown segmentId → 404 segment-not-found; an unknown or another merchant's znsTemplateId → 404 zns-template-not-found; channel zns without znsTemplateId → 400.",
    body: CreateCampaignSchema,
    responses: created("The campaign", CampaignViewSchema, { 404: "Unknown segment" }),
  },
  async ({ db, merchantId, now, body: input }) => createCampaign(db, merchantId, input, now),
);

api.post(
  "/v1/campaigns/preview",
  {
    summary: "Render a message for a sample member of a segment (nothing is saved)",
    description:
      "The first member of the segment's sample, with their spendable points and tier, gets the text in their language (then the other language, when given), rendered as delivery renders it, with the buttons under it. An empty segment renders for a nameless member with 0 points.",
    body: CampaignPreviewSchema,
    responses: found(
      "The rendered texts",
      z.object({
        count: z.number().int(),
        member: z
          .object({
            id: z.string(),
            name: z.string().nullable(),
            language: z.enum(["vi", "en"]),
            points: z.number().int(),
            tier: z.string().nullable(),
          })
          .nullable(),
        texts: z.array(z.object({ lang: z.enum(["vi", "en"]), text: z.string(), buttons: z.array(z.string()) })),
      }),
      "Unknown segment",
    ),
  },
  async ({ db, merchantId, now, body }) => await previewCampaign(db, merchantId, body, now),
);

const ListQuery = z.object({
  limit: pageLimit(200),
  before: lastIdCursor(),
});

api.get(
  "/v1/campaigns",
  {
    summary: "Campaigns, newest first, with counts",
    query: ListQuery,
    responses: ok("A page of campaigns", pageOf("campaigns", CampaignViewSchema)),
  },
  async ({ db, merchantId, query: q }) => listCampaigns(db, merchantId, q),
);

api.get(
  "/v1/campaigns/{id}",
  {
    summary: "A campaign: status, counts and KPIs (delivered, conversions, attributed revenue, AOV, uplift vs control)",
    query: CampaignQuery,
    responses: found("The campaign", CampaignViewSchema, "No such campaign of this merchant"),
  },
  async ({ db, merchantId, now, param, query }) => {
    const v = await getCampaignView(db, merchantId, param("id"));
    const storeId = await storeFilter(db, merchantId, query.storeId);
    const kpis =
      v.status === "sending" || v.status === "done"
        ? await campaignKpis(db, merchantId, v.id, now, storeId)
        : undefined;
    return { ...v, ...(kpis ? { kpis } : {}) };
  },
);

const EstimateSchema = z.object({
  id: z.string(),
  channel: ChannelChoiceSchema,
  recipients: z.number().int(),
  byChannel: z.record(z.string(), z.object({ recipients: z.number().int(), messages: z.number().int() })),
  skipped: z.object({ total: z.number().int(), reasons: z.record(z.string(), z.number().int()) }),
  zns: z.object({
    templateId: z.string().nullable(),
    mode: z.enum(["development", "production"]),
    messages: z.number().int(),
    pricePerMessage: z.number().int(),
    cost: z.number().int().describe("messages × pricePerMessage (VND)"),
    dailyQuota: z.number().int().nullable(),
    usedToday: z.number().int(),
    today: z.number().int().describe("ZNS messages that fit in today's remaining quota"),
    deferred: z.number().int().describe("ZNS messages that would wait for the next local day(s)"),
    senderConfigured: z
      .boolean()
      .describe("false: this server has no ZNS sender (ZNS_ACCESS_TOKEN unset), so ZNS messages would fail"),
  }),
});

api.get(
  "/v1/campaigns/{id}/estimate",
  {
    summary: "What sending now would do: recipients per channel, ZNS messages × price = cost, the daily quota split",
    description:
      "Computed from the segment as it is now with the same channel routing as the send (nothing is written). messages = recipients who would get a message (not control, opted out or blocked).",
    responses: found("The estimate", EstimateSchema, "No such campaign of this merchant"),
  },
  async ({ db, merchantId, now, param, deps }) => {
    const e = await estimateCampaign(db, merchantId, param("id"), now);
    return { ...e, zns: { ...e.zns, senderConfigured: deps.senders?.zns !== undefined } };
  },
);

api.post(
  "/v1/campaigns/{id}/send",
  {
    summary: "Send now: fixes the recipients and starts delivery within seconds (no body)",
    description:
      "An already sending or sent campaign → 409 already-sent. Works for drafts and scheduled campaigns (sends at once). Over the month's remaining budget (docs/budget.md): 409 over-budget when the budget blocks, else sent with a `budget` warning.",
    responses: {
      202: {
        description: "Sending",
        schema: z.object({
          id: z.string(),
          status: z.literal("sending"),
          recipients: z.number().int(),
          budget: SendWarningSchema.optional(),
        }),
      },
      404: { description: "No such campaign of this merchant" },
      409: {
        description: "Already sending or sent (…/already-sent), cancelled, or over a blocking budget (…/over-budget)",
      },
    },
  },
  async ({ db, merchantId, now, param, deps }) => {
    const r = await startCampaign(db, merchantId, param("id"), now, deps.sendGuard);
    wakeDeliveryWorkers();
    return {
      id: r.id,
      status: "sending" as const,
      recipients: r.recipients,
      ...(r.warning ? { budget: r.warning } : {}),
    };
  },
);

api.post(
  "/v1/campaigns/{id}/cancel",
  {
    summary: "Cancel a draft or scheduled campaign (no body)",
    responses: ok("The campaign", CampaignViewSchema, { 404: "No such campaign", 409: "Already sending or sent" }),
  },
  async ({ db, merchantId, param }) => {
    await cancelCampaign(db, merchantId, param("id"));
    return await getCampaignView(db, merchantId, param("id"));
  },
);

// ---- settings ----

settingsRoutes(api, "/v1/messaging/settings", MessagingSettingsSchema, messagingSettings, {
  get: {
    summary:
      "Promotional messaging settings: frequency cap (default 2/day, 5/week), quiet hours (default off), attribution window",
    answer: "Settings",
  },
  put: {
    summary: "Replace the promotional messaging settings (fields left out take the defaults)",
    description:
      'Example: {"frequencyCap": {"perDay": 1, "perWeek": 3}, "quietHours": {"start": "21:00", "end": "08:00"}, "attributionDays": 7}. frequencyCap null = no cap; quietHours null = none. Times are in the merchant\'s time zone.',
    answer: "Settings now in force",
  },
});

export const campaignRoutes = api.app;
