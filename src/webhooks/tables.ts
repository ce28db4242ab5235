/**
 * Outbound events (Standard Webhooks):
 * - `webhook_endpoints`: a merchant's receiver URLs, the events each wants and its signing secret (sealed).
 * - `webhook_messages`: the transactional outbox AND the delivery log — one row per event per subscribed endpoint,
 *   written by the `cl_webhook_outbox` triggers in the same transaction as the ledger change. Its id is the
 *   `webhook-id` header, the same on every retry.
 */
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { ts, createdAt, createdAtSet, merchantRow, counter, textId, merchantId } from "../db/columns.ts";

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    ...merchantRow(),
    url: text("url").notNull(),
    /** Event types this endpoint receives (a JSON array of strings; the trigger tests membership with `?`). */
    events: jsonb("events").$type<string[]>().notNull(),
    /** The `whsec_…` signing secret, sealed with SECRETS_KEY (src/lib/secret-box.ts). */
    secretSealed: text("secret_sealed").notNull(),
    description: text("description"),
    createdAt: createdAt(),
    /** Deleted endpoints keep their rows (the log stays consistent) but receive nothing more. */
    deletedAt: ts("deleted_at"),
  },
  (t) => [index("webhook_endpoints_merchant_idx").on(t.merchantId).where(sql`deleted_at is null`)],
);

export type WebhookStatus = "pending" | "delivered" | "failed" | "cancelled";

export const webhookMessages = pgTable(
  "webhook_messages",
  {
    /** `msg_…`: the `webhook-id` header. */
    id: textId(),
    merchantId: merchantId(),
    endpointId: text("endpoint_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The body sent: `{ type, timestamp, data }`. */
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<WebhookStatus>().notNull().default("pending"),
    attempts: counter("attempts"),
    /** When the next attempt is due; while an attempt is in flight, the end of its lease. */
    nextAttemptAt: ts("next_attempt_at").notNull(),
    lastAttemptAt: ts("last_attempt_at"),
    /** HTTP status of the last attempt (null: no answer — timeout, refused, blocked address). */
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    deliveredAt: ts("delivered_at"),
    createdAt: createdAtSet(),
  },
  (t) => [
    index("webhook_messages_due_idx").on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index("webhook_messages_endpoint_idx").on(t.endpointId, t.createdAt),
  ],
);
