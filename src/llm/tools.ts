/**
 * The assistant's tools, scoped by closure to the member of the chat: no tool takes a member id, phone or name.
 * A call that passes any argument a tool doesn't define (e.g. `memberId`, `phone`) is refused and recorded.
 *
 * All tools are read-only. `prepare_claim` is the one "write" tool and it writes nothing either: it checks a
 * reward or offer and returns the confirmation buttons; only the member's button press (handled by the chat core)
 * redeems or claims.
 *
 * Results carry numbers and dates already formatted for the member's language; every result is added to the
 * `ToolRecord`, which is what the final reply is validated against.
 */
import { tool, type ToolSet } from "ai";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import type { MessageButton } from "../channels/channel.ts";
import { ledgerPage, memberBalance, expiringPoints, type MemberRow } from "../ledger/ledger.ts";
import { memberView } from "../members/service.ts";
import { getProgram } from "../program/service.ts";
import type { Program } from "../program/config.ts";
import { effectiveTier, tierRank } from "../program/tiers.ts";
import { netSpend } from "../members/service.ts";
import { explainOrderPoints } from "../orders/explain.ts";
import { entryPurposes } from "../orders/why.ts";
import { findReward, listRewards, memberVouchers, type RewardRow } from "../rewards/service.ts";
import { copyFor, type Fmt } from "../messages/index.ts";
import {
  foldVietnamese,
  formatDate,
  formatMoney,
  formatPoints,
  formatSignedPoints,
  truncate,
} from "../messages/render.ts";
import type { Logger } from "../lib/log.ts";
import { FactSet } from "./figures.ts";

/** Offers for the member (the chat core's OffersPort fits). */
export interface AssistantOffers {
  list(
    db: Db,
    merchantId: string,
    memberId: string,
    now: Date,
  ): Promise<{ id: string; text: string; expiresAt?: Date | undefined }[]>;
}

/** Button data the chat core understands (defaults match bots/core `Btn`). */
export interface ClaimActions {
  confirmRedeem(rewardId: string, nonce: string): string;
  cancel: string;
  claimOffer(offerId: string): string;
}

export const DEFAULT_CLAIM_ACTIONS: ClaimActions = {
  confirmRedeem: (rewardId, nonce) => `rc:${rewardId}:${nonce}`,
  cancel: "x",
  claimOffer: (offerId) => `oc:${offerId}`,
};

export type PreparedClaim =
  | { kind: "reward"; rewardId: string; name: string; cost: number; balanceAfter: number; buttons: MessageButton[][] }
  | { kind: "offer"; offerId: string; text: string; expiresAt?: Date | undefined; buttons: MessageButton[][] };

/** What the tools did during one answer. */
export interface ToolRecord {
  /** Figures from every tool result (the final text may use only these, plus today's date). */
  facts: FactSet;
  /** Names seen in tool results (rewards, tiers, vouchers): the answer may use them. */
  names: Set<string>;
  /** Every tool result, as JSON text (folded), to tell which catalog names the answer may mention. */
  seen: string[];
  calls: string[];
  refused: { tool: string; keys: string[] }[];
  claim?: PreparedClaim | undefined;
}

export interface ToolScope {
  db: Db;
  merchantId: string;
  member: MemberRow;
  fmt: Fmt;
  now: Date;
  offers?: AssistantOffers | undefined;
  actions: ClaimActions;
  logger: Logger;
}

export const REFUSAL = {
  error: "refused",
  message:
    "These tools only read the data of the member in this chat. No other member, phone number or account can be looked up or changed.",
} as const;

function nonce(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => "abcdefghjkmnpqrstuvwxyz23456789"[b % 31]).join("");
}

function validButtonData(data: string): boolean {
  return data.length >= 1 && data.length <= 64 && /^[\x20-\x7e]+$/.test(data);
}

export function newToolRecord(): ToolRecord {
  return { facts: new FactSet(), names: new Set(), seen: [], calls: [], refused: [] };
}

export function memberTools(scope: ToolScope, record: ToolRecord): ToolSet {
  const { db, merchantId, member, fmt, now } = scope;
  const lang = fmt.lang;
  const copy = copyFor(lang);
  const pts = (n: number) => formatPoints(n, lang);
  const money = (n: number) => formatMoney(n, fmt.currency, lang);
  const date = (d: Date) => formatDate(d, lang, fmt.timeZone);
  let programCache: Program | undefined;
  const program = async () => (programCache ??= await getProgram(db, merchantId));

  /** Runs `run` unless the call carries arguments the tool doesn't define; records the result either way. */
  function scoped<I extends Record<string, unknown>>(
    name: string,
    description: string,
    schema: z.ZodType<I>,
    keys: readonly string[],
    run: (input: I) => Promise<Record<string, unknown>>,
  ) {
    return tool({
      description,
      inputSchema: schema,
      execute: async (input: I) => {
        record.calls.push(name);
        const foreign = Object.keys(input).filter((k) => !keys.includes(k));
        if (foreign.length > 0) {
          record.refused.push({ tool: name, keys: foreign });
          scope.logger.warn("llm tool call refused: arguments outside the member's scope", {
            tool: name,
            keys: foreign,
          });
          return { ...REFUSAL };
        }
        const out = await run(input);
        record.facts.addValue(out);
        record.seen.push(foldVietnamese(JSON.stringify(out)));
        return out;
      },
    });
  }

  const noArgs = z.looseObject({});

  const rewardLine = async (r: RewardRow, balance: number) => {
    const p = await program();
    const rank = tierRank(
      p,
      effectiveTier(p, member.tierName, await netSpend(db, member, now, p.tierWindowDays))?.name,
    );
    record.names.add(r.name);
    return {
      id: r.id,
      name: r.name,
      cost: `${pts(r.cost)} ${lang === "vi" ? "điểm" : "points"}`,
      affordable: balance >= r.cost,
      ...(r.minTier && rank < tierRank(p, r.minTier) ? { requiresTier: r.minTier } : {}),
      ...(r.stock !== null && r.stock <= 0 ? { soldOut: true } : {}),
    };
  };

  return {
    get_balance: scoped(
      "get_balance",
      "The member's spendable points balance and points still pending.",
      noArgs,
      [],
      async () => {
        const b = await memberBalance(db, member, now);
        return { balance: pts(b.balance), pending: pts(b.pending) };
      },
    ),

    get_tier_progress: scoped(
      "get_tier_progress",
      "The member's current tier and the spend still needed to reach the next tier.",
      noArgs,
      [],
      async () => {
        const v = await memberView(db, await program(), member, now);
        if (v.tier) record.names.add(v.tier.name);
        if (v.nextTier) record.names.add(v.nextTier.name);
        return {
          tier: v.tier?.name ?? null,
          nextTier: v.nextTier ? { name: v.nextTier.name, spendNeeded: money(v.nextTier.spendNeeded) } : null,
        };
      },
    ),

    get_expiring_points: scoped(
      "get_expiring_points",
      "Points of the member that expire within the next `days` days (default 30) and the first expiry date.",
      z.looseObject({ days: z.number().int().min(1).max(365).optional() }),
      ["days"],
      async (input) => {
        const days = input.days ?? 30;
        const exp = await expiringPoints(db, member.id, now, new Date(now.getTime() + days * 86_400_000));
        return {
          withinDays: days,
          points: pts(exp.points),
          firstExpiry: exp.firstExpiry ? date(exp.firstExpiry) : null,
        };
      },
    ),

    get_history: scoped(
      "get_history",
      "The member's latest points movements (earned, redeemed, expired, adjusted), newest first.",
      z.looseObject({ limit: z.number().int().min(1).max(10).optional() }),
      ["limit"],
      async (input) => {
        const rows = await ledgerPage(db, merchantId, member.id, input.limit ?? 5);
        // What each entry was for (its order and amount, the multipliers applied), as the chat /history says it.
        const purposes = await entryPurposes(db, merchantId, rows);
        return {
          entries: rows.map((e, i) => {
            const p = purposes[i];
            for (const w of p?.why ?? []) record.names.add(w.label);
            return {
              date: date(e.createdAt),
              kind: e.kind,
              points: formatSignedPoints(e.points, lang),
              ...(p?.order ? { order: p.order.externalId, orderTotal: money(p.order.total) } : {}),
              ...(p?.why.length ? { multipliers: p.why.map((w) => `${w.label} ×${w.multiplier}`) } : {}),
              ...(p?.offerCode ? { offerCode: p.offerCode } : {}),
              ...(e.reason ? { note: truncate(e.reason, 80) } : {}),
            };
          }),
        };
      },
    ),

    explain_order_points: scoped(
      "explain_order_points",
      "Why an order earned the points it did: the member's order named by its receipt number (externalId), else " +
        "their latest order, itemised from the breakdown stored when it was placed (base points, multipliers, " +
        "bonus events, offer bonuses, points reversed by refunds, cashback).",
      z.looseObject({ externalId: z.string().min(1).max(100).optional() }),
      ["externalId"],
      async (input) => {
        const x = await explainOrderPoints(db, merchantId, member.id, input.externalId);
        if (!x) return { found: false };
        for (const w of x.why) record.names.add(w.label);
        return {
          found: true,
          order: x.externalId,
          total: money(x.total),
          pointsEarned: pts(x.earned),
          basePoints: pts(x.base),
          earnPoints: pts(x.earn),
          multipliers: x.why.map((w) => ({ for: w.label, kind: w.kind, multiplier: `×${w.multiplier}` })),
          bonusPoints: pts(x.bonus),
          bonusEvents: x.events,
          offerBonuses: x.offerBonuses.map((b) => ({ code: b.code, points: pts(b.points) })),
          pointsReversed: pts(x.reversed),
          cashback: money(x.cashback),
        };
      },
    ),

    list_rewards: scoped(
      "list_rewards",
      "The rewards the member can redeem points for, with their cost and whether the member can afford them.",
      noArgs,
      [],
      async () => {
        const all = (await listRewards(db, merchantId, true)).slice(0, 12);
        const { balance } = await memberBalance(db, member, now);
        return { balance: pts(balance), rewards: await Promise.all(all.map((r) => rewardLine(r, balance))) };
      },
    ),

    list_vouchers: scoped(
      "list_vouchers",
      "Vouchers (redeemed rewards) the member holds and has not used yet.",
      noArgs,
      [],
      async () => {
        const list = (await memberVouchers(db, merchantId, member.id, now, true)).slice(0, 10);
        for (const v of list) record.names.add(v.reward.name);
        return {
          vouchers: list.map((v) => ({
            code: v.code,
            reward: v.reward.name,
            ...(v.expiresAt ? { validUntil: date(new Date(v.expiresAt)) } : {}),
          })),
        };
      },
    ),

    list_offers: scoped(
      "list_offers",
      "Personal offers for the member right now (at most 3).",
      noArgs,
      [],
      async () => {
        if (!scope.offers) return { offers: [] };
        const list = (await scope.offers.list(db, merchantId, member.id, now)).slice(0, 3);
        return {
          offers: list.map((o) => ({
            id: o.id,
            text: o.text,
            ...(o.expiresAt ? { validUntil: date(o.expiresAt) } : {}),
          })),
        };
      },
    ),

    prepare_claim: scoped(
      "prepare_claim",
      "Start redeeming a reward (rewardId or its exact name) or claiming an offer (offerId). Changes nothing: the member gets a button to confirm.",
      z.looseObject({
        rewardId: z.string().max(100).optional(),
        rewardName: z.string().max(200).optional(),
        offerId: z.string().max(100).optional(),
      }),
      ["rewardId", "rewardName", "offerId"],
      async (input) => {
        if (input.offerId) {
          const offers = scope.offers ? await scope.offers.list(db, merchantId, member.id, now) : [];
          const o = offers.find((x) => x.id === input.offerId);
          const data = o ? scope.actions.claimOffer(o.id) : "";
          if (!o || !validButtonData(data)) return { status: "not-found" };
          record.claim = {
            kind: "offer",
            offerId: o.id,
            text: o.text,
            expiresAt: o.expiresAt,
            buttons: [[{ label: copy.buttons.claim(1), data }]],
          };
          return { status: "needs-confirmation", offer: o.text, note: "The member must press the button to claim." };
        }
        let reward: RewardRow | undefined;
        if (input.rewardId) reward = await findReward(db, merchantId, input.rewardId);
        else if (input.rewardName) {
          const wanted = foldVietnamese(input.rewardName).trim();
          reward = (await listRewards(db, merchantId, true)).find((r) => foldVietnamese(r.name).trim() === wanted);
        }
        if (!reward?.active) return { status: "not-found" };
        record.names.add(reward.name);
        const { balance } = await memberBalance(db, member, now);
        const line = await rewardLine(reward, balance);
        if (line.soldOut) return { status: "sold-out", reward: reward.name };
        if (line.requiresTier) return { status: "tier-required", reward: reward.name, requiresTier: line.requiresTier };
        if (balance < reward.cost)
          return {
            status: "not-enough-points",
            reward: reward.name,
            cost: line.cost,
            balance: pts(balance),
            missing: pts(reward.cost - balance),
          };
        const data = scope.actions.confirmRedeem(reward.id, nonce());
        if (!validButtonData(data)) return { status: "not-found" };
        record.claim = {
          kind: "reward",
          rewardId: reward.id,
          name: reward.name,
          cost: reward.cost,
          balanceAfter: balance - reward.cost,
          buttons: [
            [
              { label: copy.buttons.confirm, data },
              { label: copy.buttons.cancel, data: scope.actions.cancel },
            ],
          ],
        };
        return {
          status: "needs-confirmation",
          reward: reward.name,
          cost: line.cost,
          balance: pts(balance),
          balanceAfter: pts(balance - reward.cost),
          note: "Nothing is redeemed until the member presses Confirm.",
        };
      },
    ),
  };
}
