/**
 * A member's personal data: export (everything held about the member, as JSON) and erasure (anonymisation).
 * Erasure keeps every amount and count the ledger's invariants need (orders, lines, entries, lots, credit,
 * redemptions, balances) and drops identity: name, phone, birthday, external id, chat ids (chats unlinked, their
 * chat state and simulator outbox gone, rendered message texts blanked), conversation memory, unused link codes and
 * survey answers typed as text.
 * It is idempotent: erasing again finds nothing left to drop and reports the same member.
 */
import { and, asc, eq, inArray, isNotNull, ne, or, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import {
  channelIdentities,
  creditEntries,
  ledgerEntries,
  linkCodes,
  members,
  orderItems,
  orders,
  pointLots,
  redemptions,
  refunds,
  subscriptions,
} from "../db/schema.ts";
import type { Db } from "../db/types.ts";
import { requireLockedMember } from "../ledger/ledger.ts";
import { deliveries, promoSends } from "../campaigns/tables.ts";
import { chatSessions, webOutbox } from "../channels/tables.ts";
import { cardCodeUses } from "../cards/tables.ts";
import { llmChatTurns } from "../llm/tables.ts";
import { offerClaims, offers } from "../offers/tables.ts";
import { consentEvents } from "../members/tables.ts";
import { referralCodes, referrals } from "../referrals/tables.ts";
import { recordConsentIn } from "../members/consent.ts";
import { requireMember } from "../members/service.ts";
import { surveyResponses } from "../surveys/tables.ts";

/** Tables holding rows of one member, by `merchant_id` + `member_id`, as they appear in the export. */
const MEMBER_TABLES = {
  chats: channelIdentities,
  ledger: ledgerEntries,
  lots: pointLots,
  credit: creditEntries,
  orders,
  redemptions,
  subscriptions,
  offers,
  offerClaims,
  deliveries,
  promoSends,
  consents: consentEvents,
  conversationMemory: llmChatTurns,
  linkCodes,
  cardScans: cardCodeUses,
  referralCodes,
  surveyResponses,
} as const satisfies Record<string, PgTable & { merchantId: PgColumn; memberId: PgColumn }>;

type Rows = Record<string, unknown>[];
export type MemberExport = { exportedAt: string; member: Record<string, unknown> } & Record<
  keyof typeof MEMBER_TABLES | "orderItems" | "refunds" | "chatSettings" | "referrals",
  Rows
>;

function ofMember(t: { merchantId: PgColumn; memberId: PgColumn }, merchantId: string, memberId: string): SQL {
  return and(eq(t.merchantId, merchantId), eq(t.memberId, memberId))!;
}

/** The rows of `table` matching `where`; none without asking when there is nothing to match (an empty IN or OR). */
async function rowsIf(db: Db, any: boolean, table: PgTable, where: SQL | undefined): Promise<Rows> {
  return any ? await db.select().from(table).where(where) : [];
}

/** Everything held about the member (JSON-ready: dates become ISO strings when serialised). */
export async function exportMember(db: Db, merchantId: string, memberId: string, now: Date): Promise<MemberExport> {
  const member = await requireMember(db, merchantId, memberId);
  const out: Record<string, unknown> = { exportedAt: now.toISOString(), member };
  for (const [name, t] of Object.entries(MEMBER_TABLES)) {
    out[name] = await db
      .select()
      .from(t)
      .where(ofMember(t, merchantId, memberId));
  }
  const orderIds = (out.orders as { id: string }[]).map((o) => o.id);
  out.orderItems =
    orderIds.length === 0
      ? []
      : await db.select().from(orderItems).where(inArray(orderItems.orderId, orderIds)).orderBy(asc(orderItems.id));
  out.refunds = await rowsIf(
    db,
    orderIds.length > 0,
    refunds,
    and(eq(refunds.merchantId, merchantId), inArray(refunds.orderId, orderIds)),
  );
  // Referrals the member made or came through (the other side appears by member id only).
  out.referrals = await db
    .select()
    .from(referrals)
    .where(
      and(
        eq(referrals.merchantId, merchantId),
        or(eq(referrals.referrerId, memberId), eq(referrals.friendId, memberId)),
      ),
    );
  const users = (out.chats as { channel: string; userId: string }[]).map((c) =>
    and(eq(chatSessions.channel, c.channel), eq(chatSessions.userId, c.userId)),
  );
  out.chatSettings = await rowsIf(db, users.length > 0, chatSessions, or(...users));
  return out as MemberExport;
}

export interface ErasureResult {
  memberId: string;
  erasedAt: string;
  /** What this call removed (0s on a repeated erasure). */
  removed: { chats: number; conversationTurns: number; linkCodes: number; messageTexts: number };
  /** What stays, for the ledger's integrity (amounts only, no identity). */
  kept: { orders: number; ledgerEntries: number; pointsTotal: number; creditBalance: number };
}

/** Anonymises the member in one transaction; the member row stays (balances, the ledger's foreign keys). */
export async function eraseMember(
  db: Db,
  merchantId: string,
  memberId: string,
  now: Date,
  by: { channel: string; actor?: string | undefined },
): Promise<ErasureResult> {
  return db.transaction(async (tx) => {
    // Lock the member: an order or link racing the erasure waits, then sees the anonymous row.
    const m = await requireLockedMember(tx, merchantId, memberId);
    const chats = await tx
      .delete(channelIdentities)
      .where(ofMember(channelIdentities, merchantId, memberId))
      .returning({
        channel: channelIdentities.channel,
        userId: channelIdentities.userId,
        chatId: channelIdentities.chatId,
      });
    for (const c of chats) {
      await tx.delete(chatSessions).where(and(eq(chatSessions.channel, c.channel), eq(chatSessions.userId, c.userId)));
      if (c.channel === "web") {
        await tx.delete(webOutbox).where(and(eq(webOutbox.merchantId, merchantId), eq(webOutbox.chatId, c.chatId)));
      }
    }
    const turns = await tx
      .delete(llmChatTurns)
      .where(ofMember(llmChatTurns, merchantId, memberId))
      .returning({ id: llmChatTurns.id });
    const codes = await tx
      .delete(linkCodes)
      .where(ofMember(linkCodes, merchantId, memberId))
      .returning({ code: linkCodes.code });
    await tx.delete(cardCodeUses).where(ofMember(cardCodeUses, merchantId, memberId));
    // Survey answers typed as text may say who they are: blanked; choices and scores stay in the results.
    await tx
      .update(surveyResponses)
      .set({
        answers: sql`(select coalesce(jsonb_agg(case when jsonb_typeof(x.a) = 'string' then 'null'::jsonb else x.a end order by x.i), '[]'::jsonb)
          from jsonb_array_elements(${surveyResponses.answers}) with ordinality as x(a, i))`,
      })
      .where(ofMember(surveyResponses, merchantId, memberId));
    // Messages already rendered carry the name; queued ones will never go out (the member has no chat any more).
    const texts = await tx
      .update(deliveries)
      .set({ text: null, chatId: "", error: null, updatedAt: now })
      .where(and(ofMember(deliveries, merchantId, memberId), or(isNotNull(deliveries.text), ne(deliveries.chatId, ""))))
      .returning({ id: deliveries.id });
    await tx
      .update(deliveries)
      .set({ status: "opted_out" })
      .where(and(ofMember(deliveries, merchantId, memberId), inArray(deliveries.status, ["queued", "claimed"])));
    // Promotions end with the identity: recorded as a withdrawal like any other (the consent service sets opted_in).
    if (m.optedIn) {
      const wording = "Erasure of the member's personal data (promotional messages end)";
      await recordConsentIn(tx, merchantId, memberId, { purpose: "marketing", granted: false, wording, ...by }, now);
    }
    const [after] = await tx
      .update(members)
      .set({ name: null, phone: null, email: null, birthday: null, externalId: null, erasedAt: m.erasedAt ?? now })
      .where(eq(members.id, memberId))
      .returning();
    const orderCount = await tx.$count(orders, ofMember(orders, merchantId, memberId));
    const entryCount = await tx.$count(ledgerEntries, ofMember(ledgerEntries, merchantId, memberId));
    return {
      memberId,
      erasedAt: (after!.erasedAt ?? now).toISOString(),
      removed: {
        chats: chats.length,
        conversationTurns: turns.length,
        linkCodes: codes.length,
        messageTexts: texts.length,
      },
      kept: {
        orders: orderCount,
        ledgerEntries: entryCount,
        pointsTotal: after!.pointsTotal,
        creditBalance: after!.creditBalance,
      },
    };
  });
}
