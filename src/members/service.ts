/** Members: enrolment, lookup and the view the API and the bot show. */
import { perksOf } from "./perks.ts";
import { and, desc, eq, ilike, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { channelIdentities, members } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import { conflict, validationError } from "../lib/errors.ts";
import { normalizePhone } from "./phone.ts";
import { normalizeEmail } from "./email.ts";
import { isUniqueViolation, constraintName } from "../db/errors.ts";
import type { Program } from "../program/config.ts";
import { effectiveTier, nextTierProgress } from "../program/tiers.ts";
import { type MemberKey, memberFact, spendable, type MemberRow } from "../ledger/ledger.ts";
import type { MemberView } from "./schemas.ts";
import { findOne, findOwned, requireOwned } from "../db/find.ts";

export interface NewMember {
  phone?: string | undefined;
  /** Already validated (EmailInput); normalised again here so every writer stores the same form. */
  email?: string | undefined;
  externalId?: string | undefined;
  name?: string | undefined;
  birthday?: string | undefined;
  language?: "vi" | "en" | undefined;
}

export async function createMember(db: Db, merchantId: string, input: NewMember, now: Date): Promise<MemberRow> {
  const phone = input.phone === undefined ? undefined : normalizePhone(input.phone);
  if (input.phone !== undefined && !phone)
    throw validationError([{ path: "phone", message: "not a valid phone number" }]);
  try {
    // A savepoint keeps an enclosing transaction usable after a duplicate.
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(members)
        .values({
          id: newId("mem"),
          merchantId,
          phone: phone ?? null,
          email: input.email === undefined ? null : normalizeEmail(input.email),
          externalId: input.externalId ?? null,
          name: input.name ?? null,
          birthday: input.birthday ?? null,
          language: input.language ?? "vi",
          createdAt: now,
        })
        .returning();
      return row!;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      const which = duplicateField(err);
      throw conflict("member-exists", "Member exists", `A member with this ${which} already exists`, { field: which });
    }
    throw err;
  }
}

/** Which unique member field a unique violation is about (the index names say it). */
export function duplicateField(err: unknown): "phone" | "email" | "externalId" {
  const name = constraintName(err) ?? "";
  return name.includes("phone") ? "phone" : name.includes("email") ? "email" : "externalId";
}

export async function findMember(db: Db, merchantId: string, id: string): Promise<MemberRow | undefined> {
  return findOwned(db, members, merchantId, id);
}

/**
 * The console's member search: an exact phone (normalised) or email, member id or external code, or a part of the name
 * (case-insensitive; LIKE wildcards in the query are taken literally). Newest members first, at most `limit`.
 */
export async function searchMembers(db: Db, merchantId: string, query: string, limit = 50): Promise<MemberRow[]> {
  const q = query.trim().slice(0, 100);
  const where = q
    ? or(
        eq(members.phone, normalizePhone(q) ?? q),
        eq(members.email, normalizeEmail(q)),
        eq(members.id, q),
        eq(members.externalId, q),
        ilike(members.name, `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`),
      )
    : undefined;
  return db
    .select()
    .from(members)
    .where(and(eq(members.merchantId, merchantId), where))
    .orderBy(desc(members.createdAt))
    .limit(limit);
}

export async function findMemberByPhone(db: Db, merchantId: string, phone: string): Promise<MemberRow | undefined> {
  return findOne(db, members, eq(members.phone, phone), eq(members.merchantId, merchantId));
}

/** By email, case-insensitively (emails are stored lower-cased). */
export async function findMemberByEmail(db: Db, merchantId: string, email: string): Promise<MemberRow | undefined> {
  return findOne(db, members, eq(members.email, normalizeEmail(email)), eq(members.merchantId, merchantId));
}

/**
 * Records an email on a member that has none yet. False when the member already has one, or another member of the
 * merchant has this email (the unique index; nothing is changed then).
 */
export async function recordMemberEmail(db: Db, merchantId: string, id: string, email: string): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      const rows = await tx
        .update(members)
        .set({ email: normalizeEmail(email) })
        .where(and(eq(members.id, id), eq(members.merchantId, merchantId), isNull(members.email)))
        .returning({ id: members.id });
      return rows.length > 0;
    });
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Members with this phone in any shop (at most `limit`): a chat with no shop configured links by phone alone. */
export async function membersWithPhone(
  db: Db,
  phone: string,
  limit: number,
): Promise<{ id: string; merchantId: string }[]> {
  const cols = { id: members.id, merchantId: members.merchantId };
  return db.select(cols).from(members).where(eq(members.phone, phone)).limit(limit);
}

export function requireMember(db: Db, merchantId: string, id: string): Promise<MemberRow> {
  return requireOwned(db, members, merchantId, id, "Member", "member-not-found");
}

/** The language the member is addressed in (chat replies, campaigns). */
export async function setMemberLanguage(db: Db, merchantId: string, id: string, language: "vi" | "en"): Promise<void> {
  await db
    .update(members)
    .set({ language })
    .where(and(eq(members.id, id), eq(members.merchantId, merchantId)));
}

/** Σ (total − refunded) of the member's orders placed in (at − windowDays, at] — cl_member_facts' spend. */
export function netSpend(db: Db, m: MemberKey, at: Date, windowDays: number): Promise<number> {
  return memberFact(db, m, "spend", new Date(at.getTime() - windowDays * 86_400_000), at);
}

/** Σ refunded of the same orders (what netSpend took back) — cl_member_facts' refunded. */
export function refundedSpend(db: Db, m: MemberKey, at: Date, windowDays: number): Promise<number> {
  return memberFact(db, m, "refunded", new Date(at.getTime() - windowDays * 86_400_000), at);
}

export async function memberChannels(db: Db, memberId: string) {
  return db
    .select()
    .from(channelIdentities)
    .where(eq(channelIdentities.memberId, memberId))
    .orderBy(desc(channelIdentities.linkedAt));
}

export const EXPIRING_SOON_DAYS = 30;

/** The per-member figures behind the points part of a view (read by memberView, or by the chat's one statement). */
export interface PointsFacts {
  /** Net spend in the tier window. */
  spend: number;
  /** Points not spendable yet (Σ remaining of lots not yet available). */
  pending: number;
  /** Points expiring within EXPIRING_SOON_DAYS, and the first such expiry (ISO). */
  expiring: number;
  firstExpiry: string | null;
}

/** The time bounds the facts are read with: the tier window's start and the end of "expiring soon". */
export function pointsWindow(program: Program, now: Date): { spendFrom: Date; expiringUntil: Date } {
  return {
    spendFrom: new Date(now.getTime() - program.tierWindowDays * 86_400_000),
    expiringUntil: new Date(now.getTime() + EXPIRING_SOON_DAYS * 86_400_000),
  };
}

/** Tier, progress and points of a member from its facts (pure). */
export function pointsSummary(
  program: Program,
  m: MemberRow,
  f: PointsFacts,
  now: Date,
): Pick<MemberView, "tier" | "nextTier" | "netSpend" | "points"> {
  const tier = effectiveTier(program, m.tierName, f.spend);
  const progress = nextTierProgress(program, tier?.name, f.spend);
  const { pending, balance } = spendable(m.pointsTotal, f.pending);
  return {
    tier: tier
      ? {
          name: tier.name,
          multiplier: tier.multiplier,
          since: tier.name === m.tierName ? (m.tierSince?.toISOString() ?? null) : null,
        }
      : null,
    nextTier: progress
      ? { name: progress.next.name, minSpend: progress.next.minSpend, spendNeeded: progress.spendNeeded }
      : null,
    netSpend: f.spend,
    points: {
      balance,
      pending,
      total: m.pointsTotal,
      expiringSoon: {
        points: f.expiring,
        before: pointsWindow(program, now).expiringUntil.toISOString(),
        firstExpiry: f.firstExpiry,
      },
    },
  };
}

/**
 * What the API and the bot show for a member. One round trip: net spend, pending and expiring points, the active
 * subscription and the linked chats come back as sub-selects of a single query.
 */
export async function memberView(db: Db, program: Program, m: MemberRow, now: Date): Promise<MemberView> {
  const n = now.toISOString();
  const w = pointsWindow(program, now);
  const from = w.spendFrom.toISOString();
  const u = w.expiringUntil.toISOString();
  const [row] = await db
    .select({
      // Spend and pending: cl_member_facts, the same function the order and chat functions read them with.
      spend: sql<string>`f.spend`,
      pending: sql<string>`f.pending`,
      expiring: sql<string>`(select coalesce(sum(l.remaining), 0) from point_lots l where l.merchant_id = ${m.merchantId} and l.member_id = ${m.id} and l.remaining > 0 and l.expires_at > ${n}::timestamptz and l.expires_at <= ${u}::timestamptz)`,
      firstExpiry: sql<
        string | null
      >`(select to_char(min(l.expires_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from point_lots l where l.merchant_id = ${m.merchantId} and l.member_id = ${m.id} and l.remaining > 0 and l.expires_at > ${n}::timestamptz and l.expires_at <= ${u}::timestamptz)`,
      sub: sql<
        string | null
      >`(select s.plan || '|' || to_char(s.ends_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from subscriptions s where s.merchant_id = ${m.merchantId} and s.member_id = ${m.id} and s.starts_at <= ${n}::timestamptz and s.ends_at > ${n}::timestamptz order by s.ends_at desc limit 1)`,
      chans: sql<string>`(select coalesce(json_agg(json_build_object('channel', c.channel, 'userId', c.user_id, 'linkedAt', to_char(c.linked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'reachable', c.unreachable_at is null) order by c.linked_at desc), '[]'::json)::text from channel_identities c where c.merchant_id = ${m.merchantId} and c.member_id = ${m.id})`,
    })
    .from(
      sql`cl_member_facts(${m.merchantId}, ${m.id}, ${from}::timestamptz, ${n}::timestamptz, ${n}::timestamptz) as f`,
    );
  const facts: PointsFacts = {
    spend: Number(row?.spend ?? 0),
    pending: Number(row?.pending ?? 0),
    expiring: Number(row?.expiring ?? 0),
    firstExpiry: row?.firstExpiry ?? null,
  };
  const summary = pointsSummary(program, m, facts, now);
  const [plan, endsAt] = row?.sub ? row.sub.split("|") : [];
  const chans = JSON.parse(row?.chans ?? "[]") as MemberView["channels"];
  return {
    id: m.id,
    phone: m.phone,
    email: m.email,
    externalId: m.externalId,
    name: m.name,
    birthday: m.birthday,
    language: m.language === "en" ? "en" : "vi",
    tier: summary.tier,
    nextTier: summary.nextTier,
    netSpend: summary.netSpend,
    points: summary.points,
    credit: { balance: m.creditBalance },
    subscription: plan && endsAt ? { plan, endsAt } : null,
    perks: perksOf(program, summary.tier?.name, plan && endsAt ? plan : null),
    channels: chans,
    optedIn: m.optedIn,
    createdAt: m.createdAt.toISOString(),
  };
}
