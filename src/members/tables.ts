/**
 * Member-owned tables beside the core schema (drizzle-kit picks up `src/*\/tables.ts`): the consent events a member
 * gave or withdrew (Decree 13/2023, GDPR: purpose, channel, time and the exact wording shown), append-only;
 * `members.opted_in` stays the current marketing state campaigns read.
 */
import { boolean, index, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, merchantMember, serialId, actor } from "../db/columns.ts";

/** `loyalty_terms`: the programme's processing of the member's data; `marketing`: promotional messages. */
export type ConsentPurpose = "loyalty_terms" | "marketing";

export const consentEvents = pgTable(
  "consent_events",
  {
    id: serialId(),
    ...merchantMember(),
    purpose: text("purpose").$type<ConsentPurpose>().notNull(),
    granted: boolean("granted").notNull(),
    /** Where it was given: telegram | zalo | web | api | console. */
    channel: text("channel").notNull(),
    /** The wording the member saw (or the merchant's statement of it, through the API). */
    wording: text("wording").notNull(),
    language: text("language"),
    /** Who recorded it for the member; null for the member's own chat. */
    actor: actor(),
    createdAt: createdAt(),
  },
  (t) => [index("consent_events_member_idx").on(t.merchantId, t.memberId, t.id)],
);
