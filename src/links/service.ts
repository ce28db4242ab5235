/**
 * Linking a chat to a member: one-time link codes (printed on a POS receipt, shown by staff, or opened as a
 * Telegram deep link) and the channel identity they create. Linking opts the member in to promotions, unless the
 * program asks for explicit consent (`consentMode: "explicit"`).
 */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { channelIdentities, linkCodes, members } from "../db/schema.ts";
import { newCode } from "../lib/ids.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { findOne } from "../db/find.ts";
import { recordConsent, recordConsentIn } from "../members/consent.ts";
import { wording } from "../privacy/wording.ts";
import type { ConsentMode } from "../program/config.ts";
import { getProgram } from "../program/service.ts";

export const LINK_CODE_LENGTH = 8;
export const DEFAULT_LINK_CODE_DAYS = 7;

/** What a typed or deep-linked code may look like before we bother the database (Telegram payload rules). */
export const LINK_CODE_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export function normalizeLinkCode(input: string): string | undefined {
  const code = input.trim().toUpperCase();
  return LINK_CODE_SHAPE.test(code) ? code : undefined;
}

export async function createLinkCode(
  db: Db,
  merchantId: string,
  memberId: string,
  now: Date,
  expiresInDays = DEFAULT_LINK_CODE_DAYS,
) {
  const expiresAt = new Date(now.getTime() + expiresInDays * 86_400_000);
  for (let attempt = 0; ; attempt++) {
    const code = newCode(LINK_CODE_LENGTH);
    try {
      await db.transaction(async (tx) => {
        await tx.insert(linkCodes).values({ code, merchantId, memberId, expiresAt, createdAt: now });
      });
      return { code, expiresAt };
    } catch (err) {
      if (isUniqueViolation(err) && attempt < 5) continue;
      throw err;
    }
  }
}

/**
 * Uses a code once (atomically: two chats racing for the same code, one wins). Case-insensitive.
 * `merchantId` restricts it to one merchant (a bot serving one shop ignores other shops' codes).
 */
export async function claimLinkCode(
  db: Db,
  input: string,
  now: Date,
  merchantId?: string,
): Promise<{ merchantId: string; memberId: string } | undefined> {
  const code = normalizeLinkCode(input);
  if (!code) return undefined;
  const conds = [eq(linkCodes.code, code), isNull(linkCodes.usedAt), gt(linkCodes.expiresAt, now)];
  if (merchantId) conds.push(eq(linkCodes.merchantId, merchantId));
  const rows = await db
    .update(linkCodes)
    .set({ usedAt: now })
    .where(and(...conds))
    .returning({ merchantId: linkCodes.merchantId, memberId: linkCodes.memberId });
  return rows[0];
}

export interface LinkTarget {
  merchantId: string;
  memberId: string;
  channel: string;
  userId: string;
  chatId: string;
}

/**
 * Links (or re-links) a chat user to a member and, in the default consent mode, opts the member in to promotions.
 * A chat user belongs to one member per merchant: linking again moves the identity. Returns whether it was already
 * linked to this member, and the consent mode the link was made under (the chat asks accordingly).
 */
export async function linkChat(
  db: Db,
  t: LinkTarget,
  now: Date,
  language?: "vi" | "en",
): Promise<{ alreadyLinked: boolean; consentMode: ConsentMode }> {
  const { consentMode } = await getProgram(db, t.merchantId);
  return db.transaction(async (tx) => {
    const existing = await findOne(
      tx,
      channelIdentities,
      eq(channelIdentities.merchantId, t.merchantId),
      eq(channelIdentities.channel, t.channel),
      eq(channelIdentities.userId, t.userId),
    );
    await tx
      .insert(channelIdentities)
      .values({
        merchantId: t.merchantId,
        memberId: t.memberId,
        channel: t.channel,
        userId: t.userId,
        chatId: t.chatId,
        linkedAt: now,
      })
      .onConflictDoUpdate({
        target: [channelIdentities.merchantId, channelIdentities.channel, channelIdentities.userId],
        set: { memberId: t.memberId, chatId: t.chatId, linkedAt: now, unreachableAt: null },
      });
    const thisMember = and(eq(members.id, t.memberId), eq(members.merchantId, t.merchantId));
    if (language) await tx.update(members).set({ language }).where(thisMember);
    // Linking accepts the loyalty terms and opts in to promotions (campaigns spec), each recorded with the wording
    // the chat shows, in the language the replies go out in. Strict opt-in: the terms only; marketing consent
    // stays as it was (off for a new member) until the member's own Yes.
    const [m] = await tx.select({ language: members.language }).from(members).where(thisMember);
    const lang = m?.language ?? "vi";
    const consents = [
      ["loyalty_terms", "loyaltyTerms"],
      ["marketing", "marketingQuestion"],
    ] as const;
    for (const [purpose, key] of consentMode === "explicit" ? consents.slice(0, 1) : consents) {
      await recordConsentIn(
        tx,
        t.merchantId,
        t.memberId,
        { purpose, granted: true, channel: t.channel, language: lang, wording: wording(key, lang) },
        now,
      );
    }
    return { alreadyLinked: existing?.memberId === t.memberId, consentMode };
  });
}

/**
 * Opt in/out of promotional messages (every chat of the member), recorded as a consent event with the wording the
 * member acted on. Returns whether the state changed.
 */
export function setOptIn(
  db: Db,
  merchantId: string,
  memberId: string,
  optedIn: boolean,
  now: Date,
  how: { channel: string; wording: string; language?: string | undefined },
): Promise<boolean> {
  return recordConsent(db, merchantId, memberId, { ...how, purpose: "marketing", granted: optedIn }, now);
}

/** Marks a chat unreachable (the user blocked the bot: 403). */
export async function markUnreachable(
  db: Db,
  channel: string,
  chatId: string,
  now: Date,
  merchantId?: string,
): Promise<number> {
  const conds = [
    eq(channelIdentities.channel, channel),
    eq(channelIdentities.chatId, chatId),
    isNull(channelIdentities.unreachableAt),
  ];
  if (merchantId) conds.push(eq(channelIdentities.merchantId, merchantId));
  const rows = await db
    .update(channelIdentities)
    .set({ unreachableAt: now })
    .where(and(...conds))
    .returning({ id: channelIdentities.id });
  return rows.length;
}

/** The user wrote to us again: the chat is reachable. */
export async function markReachable(db: Db, channel: string, userId: string): Promise<void> {
  await db
    .update(channelIdentities)
    .set({ unreachableAt: null })
    .where(
      and(
        eq(channelIdentities.channel, channel),
        eq(channelIdentities.userId, userId),
        sql`${channelIdentities.unreachableAt} is not null`,
      ),
    );
}

/** Identity and member row in one round trip (the first thing every chat message needs). */
export async function findLinkedMember(db: Db, channel: string, userId: string, merchantId?: string) {
  const conds = [eq(channelIdentities.channel, channel), eq(channelIdentities.userId, userId)];
  if (merchantId) conds.push(eq(channelIdentities.merchantId, merchantId));
  const rows = await db
    .select({ identity: channelIdentities, member: members })
    .from(channelIdentities)
    .innerJoin(members, eq(members.id, channelIdentities.memberId))
    .where(and(...conds))
    .orderBy(sql`${channelIdentities.linkedAt} desc`)
    .limit(1);
  return rows[0];
}

/** The member a chat user is linked to: within `merchantId` when given, else the most recently linked one. */
export async function findIdentity(db: Db, channel: string, userId: string, merchantId?: string) {
  const conds = [eq(channelIdentities.channel, channel), eq(channelIdentities.userId, userId)];
  if (merchantId) conds.push(eq(channelIdentities.merchantId, merchantId));
  const rows = await db
    .select()
    .from(channelIdentities)
    .where(and(...conds))
    .orderBy(sql`${channelIdentities.linkedAt} desc`)
    .limit(1);
  return rows[0];
}
