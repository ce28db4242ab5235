/** Outbound events: request and response schemas (also the OpenAPI document). */
import { z } from "zod";
import { text } from "../lib/validate.ts";
import { pageLimit } from "../lib/schemas/fields.ts";

/** Every event an endpoint can subscribe to (docs/webhooks.md says when each is sent and what it carries). */
export const EVENT_TYPES = [
  "member.created",
  "points.earned",
  "points.redeemed",
  "points.reversed",
  "points.expired",
  "points.adjusted",
  "tier.changed",
  "reward.redeemed",
  "voucher.used",
  "offer.claimed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const CreateWebhookSchema = z.object({
  url: text(2000).min(1).describe("Where events are POSTed (http or https; public addresses only in production)"),
  events: z.array(z.enum(EVENT_TYPES)).min(1).max(50),
  description: text(200).optional(),
});
export type CreateWebhookInput = z.output<typeof CreateWebhookSchema>;

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  createdAt: z.string(),
});

export const CreatedWebhookView = WebhookView.extend({
  secret: z.string().describe("`whsec_…`: the signing secret, shown only in this response"),
});

export const DeliveryView = z.object({
  id: z.string().describe("The message id, sent as `webhook-id` (the same on every retry and replay)"),
  eventType: z.string(),
  status: z.enum(["pending", "delivered", "failed", "cancelled"]),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable().describe("When the next attempt is due (pending only)"),
  lastAttemptAt: z.string().nullable(),
  lastStatus: z.number().int().nullable().describe("HTTP status of the last attempt; null when there was no answer"),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  payload: z.record(z.string(), z.unknown()).describe("The body sent: `{ type, timestamp, data }`"),
});

export const DeliveriesQuery = z.object({
  status: z.enum(["pending", "delivered", "failed", "cancelled"]).optional(),
  limit: pageLimit(200),
  before: z.iso.datetime({ offset: true }).optional().describe("Only deliveries created before this time (paging)"),
});
