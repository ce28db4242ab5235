/**
 * Personal-data tables (drizzle-kit picks up `src/*\/tables.ts`): the consent events a member gave or withdrew
 * (Decree 13/2023, GDPR: purpose, channel, time and the exact wording shown) and the audit log of merchant and
 * staff writes. Both are append-only; `members.opted_in` stays the current marketing state campaigns read.
 */
import { bigserial, boolean, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, merchantId } from "../db/columns.ts";

/** `loyalty_terms`: the programme's processing of the member's data; `marketing`: promotional messages. */
export type ConsentPurpose = "loyalty_terms" | "marketing";

export const consentEvents = pgTable(
  "consent_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    merchantId: merchantId(),
    memberId: text("member_id").notNull(),
    purpose: text("purpose").$type<ConsentPurpose>().notNull(),
    granted: boolean("granted").notNull(),
    /** Where it was given: telegram | zalo | web | api | console. */
    channel: text("channel").notNull(),
    /** The wording the member saw (or the merchant's statement of it, through the API). */
    wording: text("wording").notNull(),
    language: text("language"),
    /** Who recorded it for the member: an API key id or console session, null for the member's own chat. */
    actor: text("actor"),
    createdAt: createdAt(),
  },
  (t) => [index("consent_events_member_idx").on(t.merchantId, t.memberId, t.id)],
);

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
