/**
 * Refer a friend: `/invite` (or "giới thiệu bạn", the button) shows the member's personal code with a share button on
 * Telegram and the "ref <code>" text on Zalo; a friend's `/start ref_<code>` or typed "ref <code>" joins through it.
 * A friend whose chat is not linked yet becomes a new member of the shop (linked like a link code links, consent
 * recorded) before the referral is claimed; the rules (self, existing member, one referrer, caps) are the service's.
 */
import { getProgram } from "../../../src/program/service.ts";
import { createMember } from "../../../src/members/service.ts";
import type { MemberRow } from "../../../src/ledger/ledger.ts";
import { referralCopy } from "../../../src/messages/referrals.ts";
import {
  claimReferral,
  findReferralCode,
  getReferralSettings,
  memberReferralCounts,
  REFERRAL_PAYLOAD_PREFIX,
  referralCodeFor,
} from "../../../src/referrals/service.ts";
import { holdDays } from "../../../src/referrals/rules.ts";
import { linkHelp, menu, msg, type Ctx } from "../context.ts";
import type { ReplyMessage } from "../types.ts";
import { linked } from "./link.ts";

export async function invite(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  const rc = referralCopy(ctx.lang);
  const settings = await getReferralSettings(ctx.db, m.merchantId);
  if (!settings.enabled) return [msg(rc.disabled(), menu(ctx.copy))];
  const program = await getProgram(ctx.db, m.merchantId);
  const code = await referralCodeFor(ctx.db, m.merchantId, m.id, ctx.now);
  const counts = await memberReferralCounts(ctx.db, m.merchantId, m.id);
  const info = {
    code,
    welcomePoints: settings.welcomePoints,
    referrerPoints: settings.referrerPoints,
    minOrderAmount: settings.minOrderAmount,
    holdDays: holdDays(settings, program.pendingDays),
    ...counts,
  };
  const reply = msg(rc.invite(ctx.fmt, info, ctx.input.channel));
  if (ctx.input.channel === "telegram") {
    reply.share = {
      label: rc.shareButton,
      payload: `${REFERRAL_PAYLOAD_PREFIX}${code}`,
      text: rc.shareText(ctx.fmt, info),
    };
  }
  return [reply];
}

/** Whose referral code this is (within the shop the bot serves), if it is one. */
export function referralOwner(ctx: Ctx, code: string) {
  return findReferralCode(ctx.db, code, ctx.serving);
}

/** A friend came with a referral code (deep link, "ref <code>" or the code typed alone). */
export async function friend(
  ctx: Ctx,
  code: string,
  known?: Awaited<ReturnType<typeof referralOwner>>,
): Promise<ReplyMessage[]> {
  const rc = referralCopy(ctx.lang);
  const owner = known ?? (await findReferralCode(ctx.db, code, ctx.serving));
  if (!owner) return [ctx.member ? msg(rc.unknownCode(), menu(ctx.copy)) : linkHelp(ctx, rc.unknownCode())];
  const settings = await getReferralSettings(ctx.db, owner.merchantId);
  if (!settings.enabled) {
    return [
      ctx.member ? msg(rc.disabled(), menu(ctx.copy)) : linkHelp(ctx, ctx.copy.welcomeUnlinked(ctx.input.channel)),
    ];
  }
  const claim = (friendId: string) =>
    claimReferral(
      ctx.db,
      {
        merchantId: owner.merchantId,
        referrerId: owner.memberId,
        friendId,
        channel: ctx.input.channel,
        userId: ctx.input.userId,
      },
      ctx.now,
    );
  const linkedHere = ctx.member && ctx.member.merchantId === owner.merchantId ? ctx.member : undefined;
  if (linkedHere) {
    const r = await claim(linkedHere.id);
    return [msg(outcomeText(ctx, r, settings.referrerPoints), menu(ctx.copy))];
  }
  // Not a member of this shop on this chat yet: join as a new member, then the referral (which pays the welcome
  // bonus before the link's points reply shows the balance).
  const m = await createMember(ctx.db, owner.merchantId, { language: ctx.lang }, ctx.now);
  const r = await claim(m.id);
  const first = msg(outcomeText(ctx, r, settings.referrerPoints));
  return [first, ...(await linked(ctx, owner.merchantId, m.id))];
}

function outcomeText(ctx: Ctx, r: Awaited<ReturnType<typeof claimReferral>>, referrerPoints: number): string {
  const rc = referralCopy(ctx.lang);
  switch (r.status) {
    case "accepted":
      return rc.welcome(ctx.fmt, r.welcomePoints, referrerPoints);
    case "refused":
      return rc.refused(r.reason);
    case "disabled":
      return rc.disabled();
    case "unknown":
      return rc.unknownCode();
  }
}
