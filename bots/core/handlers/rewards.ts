/**
 * Rewards: the catalog with a button per reward → a confirm step → `redeem` with an idempotency key derived from
 * the confirm button (the nonce in it), so pressing Confirm twice redeems once and shows the same code.
 */
import { memberBalance, type MemberRow } from "../../../src/ledger/ledger.ts";
import { netSpend } from "../../../src/members/service.ts";
import { getProgram } from "../../../src/program/service.ts";
import { effectiveTier, tierRank } from "../../../src/program/tiers.ts";
import { findReward, listRewards, redeem } from "../../../src/rewards/service.ts";
import { DomainError } from "../../../src/lib/errors.ts";
import { formatPoints, truncate } from "../../../src/messages/render.ts";
import type { MessageButton } from "../../../src/channels/channel.ts";
import { Btn, isValidButtonData } from "../intents.ts";
import { msg, type Ctx } from "../context.ts";
import type { ReplyMessage } from "../types.ts";

export const REWARDS_PAGE = 6;

async function memberTierRank(ctx: Ctx, m: MemberRow) {
  const program = await getProgram(ctx.db, m.merchantId);
  const tier = effectiveTier(program, m.tierName, await netSpend(ctx.db, m, ctx.now, program.tierWindowDays));
  return { program, rank: tierRank(program, tier?.name) };
}

export async function catalog(ctx: Ctx, m: MemberRow, from: number): Promise<ReplyMessage[]> {
  const all = await listRewards(ctx.db, m.merchantId, true);
  if (all.length === 0) return [msg(ctx.copy.rewardsEmpty(), [[{ label: ctx.copy.buttons.points, data: Btn.points }]])];
  const start = from >= 0 && from < all.length ? from : 0;
  const page = all.slice(start, start + REWARDS_PAGE);
  const { balance } = await memberBalance(ctx.db, m, ctx.now);
  const { program, rank } = await memberTierRank(ctx, m);
  const lines = page.map((r) => ({
    name: r.name,
    cost: r.cost,
    affordable: balance >= r.cost,
    minTier: r.minTier && rank < tierRank(program, r.minTier) ? r.minTier : null,
    soldOut: r.stock !== null && r.stock <= 0,
  }));
  const buttons: MessageButton[][] = [];
  for (const r of page) {
    const data = Btn.redeemAsk(r.id);
    if (!isValidButtonData(data)) continue;
    buttons.push([{ label: ctx.copy.buttons.redeem(truncate(r.name, 32), formatPoints(r.cost, ctx.lang)), data }]);
  }
  if (start + REWARDS_PAGE < all.length)
    buttons.push([{ label: ctx.copy.buttons.more, data: Btn.rewardsFrom(start + REWARDS_PAGE) }]);
  return [msg(ctx.copy.rewards(ctx.fmt, lines, balance, { from: start, total: all.length }), buttons)];
}

function nonce(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => "abcdefghjkmnpqrstuvwxyz23456789"[b % 31]).join("");
}

export async function ask(ctx: Ctx, m: MemberRow, rewardId: string): Promise<ReplyMessage[]> {
  const r = await findReward(ctx.db, m.merchantId, rewardId);
  const back = [[{ label: ctx.copy.buttons.rewards, data: Btn.rewards }]];
  if (!r?.active) return [msg(ctx.copy.rewardGone(), back)];
  const { balance } = await memberBalance(ctx.db, m, ctx.now);
  if (r.stock !== null && r.stock <= 0) return [msg(ctx.copy.redeemOutOfStock(r.name), back)];
  if (r.minTier) {
    const { program, rank } = await memberTierRank(ctx, m);
    if (rank < tierRank(program, r.minTier)) return [msg(ctx.copy.redeemTierRequired(r.name, r.minTier), back)];
  }
  if (balance < r.cost) return [msg(ctx.copy.redeemNotEnough(ctx.fmt, { name: r.name, cost: r.cost, balance }), back)];
  const confirm = Btn.redeemConfirm(r.id, nonce());
  return [
    msg(ctx.copy.redeemConfirm(ctx.fmt, { name: r.name, cost: r.cost, balanceAfter: balance - r.cost }), [
      [
        { label: ctx.copy.buttons.confirm, data: confirm },
        { label: ctx.copy.buttons.cancel, data: Btn.cancel },
      ],
    ]),
  ];
}

const RedeemBody = (body: unknown) =>
  body as { code: string; balance: number; reward?: { name?: string }; expiresAt?: string | null };

export async function confirm(ctx: Ctx, m: MemberRow, rewardId: string, nonceValue: string): Promise<ReplyMessage[]> {
  const back = [[{ label: ctx.copy.buttons.rewards, data: Btn.rewards }]];
  const key = `chat:${ctx.input.channel}:${ctx.input.userId}:${rewardId}:${nonceValue}`;
  try {
    const result = await redeem(ctx.db, m.merchantId, m.id, rewardId, ctx.now, key);
    const body = RedeemBody(result.body);
    const reward = await findReward(ctx.db, m.merchantId, rewardId);
    return [
      msg(
        ctx.copy.redeemDone(ctx.fmt, {
          name: body.reward?.name ?? reward?.name ?? "",
          code: body.code,
          balance: body.balance,
          expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        }),
        [
          [
            { label: ctx.copy.buttons.vouchers, data: Btn.vouchers },
            { label: ctx.copy.buttons.points, data: Btn.points },
          ],
        ],
      ),
    ];
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    const r = await findReward(ctx.db, m.merchantId, rewardId);
    const name = r?.name ?? "";
    switch (err.slug) {
      case "insufficient-points": {
        const { balance } = await memberBalance(ctx.db, m, ctx.now);
        return [msg(ctx.copy.redeemNotEnough(ctx.fmt, { name, cost: r?.cost ?? 0, balance }), back)];
      }
      case "out-of-stock":
        return [msg(ctx.copy.redeemOutOfStock(name), back)];
      case "tier-required":
        return [msg(ctx.copy.redeemTierRequired(name, r?.minTier ?? ""), back)];
      case "reward-not-found":
      case "idempotency-conflict":
      case "member-not-found":
        return [msg(ctx.copy.rewardGone(), back)];
      default:
        throw err;
    }
  }
}
