/**
 * The audit log of merchant and staff writes (append-only; drizzle-kit picks up `src/*\/tables.ts`). In its own
 * folder, below every feature that writes entries (privacy's middleware, segment exports), so none of them has to
 * import another feature for it. Read by src/privacy/audit.ts (GET /v1/audit-log).
 */
import { index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, merchantLog, actor } from "../db/columns.ts";

/** One row per merchant or staff write: who (API key / console session), what, when, before/after of settings. */
export const auditLog = pgTable(
  "audit_log",
  {
    ...merchantLog(),
    actor: actor().notNull(),
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
