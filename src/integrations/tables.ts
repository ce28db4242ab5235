/** Tables of shop-system integrations (drizzle-kit picks up `src/*\/tables.ts`). */
import { bigserial, boolean, index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { ts, createdAt, textId, merchantId, merchantRow } from "../db/columns.ts";

export type Platform = "shopify" | "haravan" | "sapo" | "kiotviet" | "nhanh";
export type TaxMode = "as-priced" | "exclude";

/** One connected shop. The webhook secret and API credentials are sealed (src/lib/secret-box.ts), never returned. */
export const integrationConnections = pgTable(
  "integration_connections",
  {
    ...merchantRow(),
    platform: text("platform").$type<Platform>().notNull(),
    name: text("name"),
    shop: text("shop"),
    /**
     * The order-id prefix when the connection was created (`{platform}`, or `{platform}:{shop}` for a second one).
     * Informational only: each delivery decides its prefix when applied (apply.ts connectionFacts), `{platform}:{shop}`
     * while the merchant has more than one live connection of the platform, so two shops' order 1001 never collide.
     */
    idPrefix: text("id_prefix").notNull(),
    secretSealed: text("secret_sealed").notNull(),
    credentialsSealed: text("credentials_sealed"),
    enrolUnknownCustomers: boolean("enrol_unknown_customers").notNull().default(true),
    tax: text("tax").$type<TaxMode>().notNull().default("as-priced"),
    createdAt: createdAt(),
    /** Deleted connections stay for the delivery log; their webhook URL answers 404. */
    deletedAt: ts("deleted_at"),
  },
  (t) => [index("integration_connections_merchant_idx").on(t.merchantId, t.platform)],
);

export type DeliveryOutcome = "applied" | "duplicate" | "ignored" | "rejected-signature" | "failed";

/** Every delivery a receiver got, with what it did; the raw body is kept so a failed one can be replayed. */
export const integrationDeliveries = pgTable(
  "integration_deliveries",
  {
    id: textId(),
    /** Arrival order (deliveries in one millisecond, or under a fake clock, still list newest first). */
    seq: bigserial("seq", { mode: "number" }).notNull(),
    merchantId: merchantId(),
    connectionId: text("connection_id").notNull(),
    receivedAt: ts("received_at").notNull(),
    topic: text("topic"),
    /** The platform's delivery id (X-Shopify-Webhook-Id, KiotViet envelope Id), when it sends one. */
    webhookId: text("webhook_id"),
    objectId: text("object_id"),
    outcome: text("outcome").$type<DeliveryOutcome>().notNull(),
    reason: text("reason"),
    externalId: text("external_id"),
    /** The topic header and other facts the mapping needs again on replay (never the signature). */
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    /** Raw body; null for rejected signatures (unauthenticated bytes are not stored). */
    body: text("body"),
    replayedAt: ts("replayed_at"),
  },
  (t) => [
    index("integration_deliveries_conn_idx").on(t.connectionId, t.seq),
    // A refund naming its order's lines by id reads that order's payload back (service.ts storedOrderPayload), and
    // an order written under the other id form is found by the delivery that wrote it (apply.ts): probes, not scans
    // of a connection's whole log.
    index("integration_deliveries_object_idx").on(t.connectionId, t.objectId, t.seq),
    index("integration_deliveries_external_idx").on(t.connectionId, t.externalId),
  ],
);

/** KiotViet returns have no webhook: the poll job's cursor per connection (lastModifiedFrom). */
export const integrationCursors = pgTable("integration_cursors", {
  connectionId: text("connection_id").primaryKey(),
  merchantId: merchantId(),
  cursor: text("cursor"),
  polledAt: ts("polled_at"),
});
