/**
 * Tables of stores (drizzle-kit picks up `src/*\/tables.ts`): a merchant's points of sale (branches, POS terminals),
 * like Shopify POS locations. Orders name one by `orders.store_id`; `code` is the merchant's own code for it (the
 * POS branch code), which the CSV import and the shop-system receivers use to find it.
 */
import { pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts, createdAt, merchantRow, merchantCreatedIndex } from "../db/columns.ts";

export const stores = pgTable(
  "stores",
  {
    ...merchantRow(),
    /** The merchant's code for the store (unique per merchant, archived stores included). */
    code: text("code").notNull(),
    name: text("name").notNull(),
    address: text("address"),
    /** Set by DELETE /v1/stores/{id}: the store stays readable (and on its orders) but takes no new orders. */
    archivedAt: ts("archived_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("stores_code_uq").on(t.merchantId, t.code), merchantCreatedIndex("stores_merchant_idx", t)],
);
