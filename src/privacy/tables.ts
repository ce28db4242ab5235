/**
 * Personal-data tables (drizzle-kit picks up `src/*\/tables.ts`): the audit log of merchant and staff writes
 * (append-only). The consent events live with the member (src/members/tables.ts).
 */
import { bigserial, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, merchantId } from "../db/columns.ts";

/** One row per merchant or staff write: who (API key / console session), what, when, before/after of settings. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    merchantId: merchantId(),
    /** `key:<api key id>` or `console:<api key id>` (the key the console session was opened with). */
    actor: text("actor").notNull(),
    /** `POST /v1/orders`-style route pattern, or a named action (`member.erase`, `settings.privacy`). */
    action: text("action").notNull(),
    /** The request path (ids included; never query strings). */
    target: text("target").notNull(),
    status: integer("status").notNull(),
    requestId: text("request_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_merchant_idx").on(t.merchantId, t.createdAt, t.id)],
);
