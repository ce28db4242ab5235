/**
 * Consent records: every grant or withdrawal is an event (purpose, channel, time, wording shown, who recorded it).
 * The member's current marketing state stays in `members.opted_in`, which campaigns, journeys and segments read;
 * it is changed only here, in the same transaction as its event, so the two never disagree.
 */
import { and, desc, eq, ne } from "drizzle-orm";
import { members } from "../db/schema.ts";
import type { Db } from "../db/types.ts";
import { type ConsentPurpose, consentEvents } from "./tables.ts";

export interface ConsentInput {
  purpose: ConsentPurpose;
  granted: boolean;
  channel: string;
  wording: string;
  language?: string | null | undefined;
  actor?: string | null | undefined;
}

/**
 * Records one consent event inside the caller's transaction (`tx`); for `marketing` also sets `members.opted_in`.
 * Returns whether the member's current state changed.
 */
export async function recordConsentIn(
  tx: Db,
  merchantId: string,
  memberId: string,
  c: ConsentInput,
  now: Date,
): Promise<boolean> {
  await tx.insert(consentEvents).values({
    ...c,
    merchantId,
    memberId,
    language: c.language ?? null,
    actor: c.actor ?? null,
    createdAt: now,
  });
  if (c.purpose !== "marketing") return false;
  const rows = await tx
    .update(members)
    .set(c.granted ? { optedIn: true, optedInAt: now } : { optedIn: false })
    .where(and(eq(members.id, memberId), eq(members.merchantId, merchantId), ne(members.optedIn, c.granted)))
    .returning({ id: members.id });
  return rows.length > 0;
}

/** `recordConsentIn` in its own transaction. */
export function recordConsent(
  db: Db,
  merchantId: string,
  memberId: string,
  c: ConsentInput,
  now: Date,
): Promise<boolean> {
  return db.transaction((tx) => recordConsentIn(tx, merchantId, memberId, c, now));
}

export interface ConsentEventView {
  id: string;
  purpose: ConsentPurpose;
  granted: boolean;
  channel: string;
  wording: string;
  language: string | null;
  actor: string | null;
  at: string;
}

/** The member's consent events, newest first. */
export async function consentHistory(db: Db, merchantId: string, memberId: string): Promise<ConsentEventView[]> {
  const rows = await db
    .select()
    .from(consentEvents)
    .where(and(eq(consentEvents.merchantId, merchantId), eq(consentEvents.memberId, memberId)))
    .orderBy(desc(consentEvents.id));
  return rows.map((r) => ({
    id: String(r.id),
    purpose: r.purpose,
    granted: r.granted,
    channel: r.channel,
    wording: r.wording,
    language: r.language,
    actor: r.actor,
    at: r.createdAt.toISOString(),
  }));
}

/** Current state: marketing from `members.opted_in`, the loyalty terms from their latest event (null: never asked). */
export function currentConsent(
  optedIn: boolean,
  history: readonly ConsentEventView[],
): { marketing: boolean; loyaltyTerms: boolean | null } {
  const terms = history.find((e) => e.purpose === "loyalty_terms");
  return { marketing: optedIn, loyaltyTerms: terms ? terms.granted : null };
}
