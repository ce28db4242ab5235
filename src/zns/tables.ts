/**
 * Tables of ZNS (drizzle-kit picks up `src/*\/tables.ts`): the merchant's registry of approved Zalo templates with
 * how each parameter is filled, and delivery receipts (`user_received_message`) keyed by our delivery id.
 */
import { index, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts, createdAt, timestamps, merchantId, bigNumber } from "../db/columns.ts";

/** Where a template parameter's value comes from. */
export type ZnsParamSource =
  | { source: "firstName" | "name" | "points" | "tier" | "phone" | "offerCode" | "offerExpiry" | "merchantName" }
  | { source: "const"; value: string };

/** Zalo's template tags: 1 transaction, 2 customer care, 3 promotion (a promotion needs consent). */
export type ZnsTemplateTag = "transaction" | "care" | "promotion";

export const znsTemplates = pgTable(
  "zns_templates",
  {
    merchantId: merchantId(),
    /** Zalo's template id (approved in the ZNS console for the merchant's OA). */
    templateId: text("template_id").notNull(),
    name: text("name").notNull(),
    tag: text("tag").$type<ZnsTemplateTag>().notNull(),
    /** Zalo parameter name → where its value comes from. */
    params: jsonb("params").$type<Record<string, ZnsParamSource>>().notNull(),
    ...timestamps(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.templateId] })],
);

/** One row per ZNS delivery Zalo reported as received on the phone (idempotent per delivery). */
export const znsReceipts = pgTable(
  "zns_receipts",
  {
    deliveryId: bigNumber("delivery_id").primaryKey(),
    merchantId: merchantId(),
    msgId: text("msg_id"),
    deliveredAt: ts("delivered_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("zns_receipts_merchant_idx").on(t.merchantId, t.deliveredAt)],
);
