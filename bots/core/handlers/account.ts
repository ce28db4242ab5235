/** The member's own data: points (balance, tier, progress, expiring), history and vouchers. */
import { ledgerPage, type MemberRow } from "../../../src/ledger/ledger.ts";
import { memberView, pointsSummary } from "../../../src/members/service.ts";
import { memberPerks } from "../../../src/members/perks.ts";
import { getProgram } from "../../../src/program/service.ts";
import { entryPurposes } from "../../../src/orders/why.ts";
import { explainOrderPoints } from "../../../src/orders/explain.ts";
import { openOfferClaims } from "../../../src/offers/member-claims.ts";
import { memberVouchers } from "../../../src/rewards/service.ts";
import { firstName } from "../../../src/messages/render.ts";
import { Btn } from "../intents.ts";
import { msg, type Ctx } from "../context.ts";
import type { ReplyMessage } from "../types.ts";

export async function pointsReply(ctx: Ctx, m: MemberRow): Promise<ReplyMessage> {
  const program = await getProgram(ctx.db, m.merchantId);
  // The facts usually came with the chat context (same statement as the member); else one query.
  const v =
    ctx.pointsFacts?.memberId === m.id
      ? pointsSummary(program, m, ctx.pointsFacts.facts, ctx.now)
      : await memberView(ctx.db, program, m, ctx.now);
  const exp = v.points.expiringSoon;
  const extra = await memberPerks(ctx.db, program, m, v.tier?.name, ctx.now);
  const text = ctx.copy.points(ctx.fmt, {
    name: firstName(m.name),
    balance: v.points.balance,
    pending: v.points.pending,
    tier: v.tier?.name,
    nextTier: v.nextTier ? { name: v.nextTier.name, spendNeeded: v.nextTier.spendNeeded } : undefined,
    expiring:
      exp.points > 0 && exp.firstExpiry ? { points: exp.points, firstExpiry: new Date(exp.firstExpiry) } : undefined,
    credit: extra.credit,
    subscription: extra.subscription ?? undefined,
    perks: extra.perks,
  });
  const reply = msg(text, [
    [
      { label: ctx.copy.buttons.rewards, data: Btn.rewards },
      { label: ctx.copy.buttons.history, data: Btn.history },
    ],
  ]);
  reply.cardButton = ctx.copy.buttons.card;
  return reply;
}

export async function points(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  return [await pointsReply(ctx, m)];
}

export async function history(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  const rows = await ledgerPage(ctx.db, m.merchantId, m.id, 10);
  const next = [
    [
      { label: ctx.copy.buttons.points, data: Btn.points },
      { label: ctx.copy.buttons.rewards, data: Btn.rewards },
    ],
  ];
  if (rows.length === 0) return [msg(ctx.copy.historyEmpty(), next)];
  const purposes = await entryPurposes(ctx.db, m.merchantId, rows);
  const lines = rows.map((e, i) => ({
    at: e.createdAt,
    kind: e.kind,
    points: e.points,
    reason: e.reason,
    ...purposes[i],
  }));
  return [msg(ctx.copy.history(ctx.fmt, lines), next)];
}

export async function vouchers(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  const [list, claims] = await Promise.all([
    memberVouchers(ctx.db, m.merchantId, m.id, ctx.now, true),
    openOfferClaims(ctx.db, m.merchantId, m.id, ctx.now),
  ]);
  if (list.length === 0 && claims.length === 0)
    return [msg(ctx.copy.vouchersEmpty(), [[{ label: ctx.copy.buttons.rewards, data: Btn.rewards }]])];
  const lines = [
    ...list.map((v) => ({ code: v.code, name: v.reward.name, expiresAt: v.expiresAt ? new Date(v.expiresAt) : null })),
    // Claimed offer codes are vouchers too (issue 13 defect 8).
    ...claims.map((c) => ({ code: c.code, name: c.name, expiresAt: c.expiresAt, offer: true })),
  ].slice(0, 20);
  return [msg(ctx.copy.vouchers(ctx.fmt, lines), [[{ label: ctx.copy.buttons.rewards, data: Btn.rewards }]])];
}

/** "Why did I get N points?": the named order (else the last one) itemised from its stored breakdown. */
export async function whyPoints(ctx: Ctx, m: MemberRow, externalId: string | undefined): Promise<ReplyMessage[]> {
  const next = [[{ label: ctx.copy.buttons.history, data: Btn.history }]];
  const x = await explainOrderPoints(ctx.db, m.merchantId, m.id, externalId);
  if (!x) return [msg(ctx.copy.whyPointsNone(externalId), next)];
  return [msg(ctx.copy.whyPoints(ctx.fmt, x), next)];
}
