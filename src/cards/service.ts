/**
 * The loyalty card: who is looking at it (a Telegram Mini App user or a web simulator client, through their linked
 * chat identity), what it shows (the same member view, vouchers and offers the chat shows) with a QR code that
 * changes every 30 seconds, and the till's scan of that code.
 */
import { and, desc, eq, lt } from "drizzle-orm";
import { renderSVG } from "uqr";
import type { Db } from "../db/types.ts";
import { channelIdentities } from "../db/schema.ts";
import { conflict, notFound } from "../lib/errors.ts";
import type { MemberRow } from "../ledger/ledger.ts";
import { findMember, memberView } from "../members/service.ts";
import { getProgram } from "../program/service.ts";
import { memberVouchers } from "../rewards/service.ts";
import { listOffersForChat } from "../offers/service.ts";
import { toLang, type Lang } from "../messages/render.ts";
import { CODE_STEP_MS, cardCode, readCardCode } from "./code.ts";
import { cardCodeUses } from "./tables.ts";
import { getReferralSettings, REFERRAL_PAYLOAD_PREFIX, referralCodeFor } from "../referrals/service.ts";

/**
 * The member linked to a chat identity (channel "telegram" + Telegram user id, or "web" + simulator client id);
 * with `serving` (the bot's merchant), only that merchant's link counts, else the most recent link.
 */
export async function linkedMember(
  db: Db,
  channel: "telegram" | "web",
  userId: string,
  serving: string | undefined,
): Promise<MemberRow | undefined> {
  const conds = [eq(channelIdentities.channel, channel), eq(channelIdentities.userId, userId)];
  if (serving) conds.push(eq(channelIdentities.merchantId, serving));
  const [link] = await db
    .select({ merchantId: channelIdentities.merchantId, memberId: channelIdentities.memberId })
    .from(channelIdentities)
    .where(and(...conds))
    .orderBy(desc(channelIdentities.linkedAt))
    .limit(1);
  return link ? findMember(db, link.merchantId, link.memberId) : undefined;
}

export interface CardCode {
  value: string;
  /** The QR code of `value` as an SVG document (uqr). */
  svg: string;
  /** When the page should show the next code (the code is still accepted for one more step). */
  refreshAt: string;
  stepSeconds: number;
}

export function currentCode(secret: string, memberId: string, now: Date): CardCode {
  const c = cardCode(secret, memberId, now);
  return {
    value: c.code,
    svg: renderSVG(c.code, { ecc: "M", border: 2 }),
    refreshAt: c.expiresAt.toISOString(),
    stepSeconds: CODE_STEP_MS / 1000,
  };
}

/**
 * The member's referral QR while the shop's referral program is on: the Telegram deep link `?start=ref_<code>` when
 * the bot's username is known (a phone camera opens the bot), else the "ref <code>" text a friend sends on Zalo.
 */
async function referralQr(db: Db, m: MemberRow, now: Date, telegramUsername: string | undefined) {
  if (!(await getReferralSettings(db, m.merchantId)).enabled) return null;
  const code = await referralCodeFor(db, m.merchantId, m.id, now);
  const value = telegramUsername
    ? `https://t.me/${telegramUsername}?start=${REFERRAL_PAYLOAD_PREFIX}${code}`
    : `ref ${code}`;
  return { code, value, svg: renderSVG(value, { ecc: "M", border: 2 }) };
}

/** Everything the card page shows, in the member's language. */
export async function cardView(db: Db, secret: string, m: MemberRow, now: Date, telegramUsername?: string) {
  const program = await getProgram(db, m.merchantId);
  const [view, vouchers, offers, referral] = await Promise.all([
    memberView(db, program, m, now),
    memberVouchers(db, m.merchantId, m.id, now, true),
    listOffersForChat(db, m.merchantId, m.id, now).catch(() => []),
    referralQr(db, m, now, telegramUsername),
  ]);
  const lang: Lang = toLang(m.language);
  return {
    memberId: m.id,
    name: m.name,
    lang,
    currency: program.currency,
    balance: view.points.balance,
    pending: view.points.pending,
    expiringSoon: view.points.expiringSoon,
    tier: view.tier ? { name: view.tier.name } : null,
    nextTier: view.nextTier,
    netSpend: view.netSpend,
    vouchers: vouchers.slice(0, 20).map((v) => ({ code: v.code, name: v.reward.name, expiresAt: v.expiresAt })),
    offers: offers.slice(0, 10).map((o) => ({ id: o.id, text: o.text, expiresAt: o.expiresAt?.toISOString() ?? null })),
    code: currentCode(secret, m.id, now),
    referral,
  };
}

/**
 * The till scans a member's QR: the merchant's own member, a code of the current or previous step, seen for the
 * first time. The code is recorded (its primary key decides a race between two tills).
 */
export async function scanCard(db: Db, secret: string, merchantId: string, code: string, now: Date) {
  const parsed = readCardCode(secret, code, now);
  if (!parsed.ok) throw notFound("Card code", "card-code-not-found");
  const member = await findMember(db, merchantId, parsed.memberId);
  // Another merchant's member looks exactly like an unknown one.
  if (!member) throw notFound("Card code", "card-code-not-found");
  if (parsed.state === "expired")
    throw conflict(
      "card-code-expired",
      "Card code expired",
      "The code is older than 60 seconds: ask the member to show the card again",
    );
  // Rows older than any acceptable code are of no use (cheap: indexed by expiry).
  await db.delete(cardCodeUses).where(lt(cardCodeUses.expiresAt, now));
  const inserted = await db
    .insert(cardCodeUses)
    .values({
      code: code.trim(),
      merchantId,
      memberId: member.id,
      usedAt: now,
      expiresAt: new Date((parsed.step + 2) * CODE_STEP_MS),
    })
    .onConflictDoNothing()
    .returning({ code: cardCodeUses.code });
  if (inserted.length === 0)
    throw conflict(
      "card-code-used",
      "Card code already scanned",
      "This code was scanned already: ask the member to show the card again",
    );
  const program = await getProgram(db, merchantId);
  const view = await memberView(db, program, member, now);
  return {
    memberId: member.id,
    name: member.name,
    phone: member.phone,
    language: toLang(member.language),
    tier: view.tier?.name ?? null,
    balance: view.points.balance,
    pending: view.points.pending,
    nextTier: view.nextTier,
    scannedAt: now.toISOString(),
  };
}
