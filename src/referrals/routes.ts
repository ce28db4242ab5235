/** The referral program's API: settings, referrals (with refusal reasons), the leaderboard, KPIs and a member's link. */
import { apiGroup, listOf, pageOf, settingsRoutes, ok, found } from "../http/route.ts";
import { requireMember } from "../members/service.ts";
import { telegramBotUsername } from "../channels/bot-info.ts";
import {
  DaysQuery,
  LeaderboardEntry,
  ReferralKpis,
  ReferralLinkView,
  ReferralListQuery,
  ReferralSettingsSchema,
  ReferralView,
} from "./schemas.ts";
import {
  getReferralSettings,
  leaderboard,
  listReferrals,
  putReferralSettings,
  REFERRAL_PAYLOAD_PREFIX,
  referralCodeFor,
  referralKpis,
  runReferralRewards,
} from "./service.ts";
import { z } from "zod";

const api = apiGroup("Referrals");

const settingsStore = { get: getReferralSettings, put: putReferralSettings };
settingsRoutes(api, "/v1/referrals/settings", ReferralSettingsSchema, settingsStore, {
  get: {
    summary: "The referral program's settings (defaults until the merchant saves them; off by default)",
    answer: "Settings",
  },
  put: { summary: "Replace the referral program's settings (omitted fields take their defaults)", answer: "Saved" },
});

api.get(
  "/v1/referrals",
  {
    summary: "Referrals, newest first, with their status and, for refused ones, the reason",
    description:
      "Statuses: refused (refusalReason: self_referral, existing_member, already_referred, referrer_cap), pending (the " +
      "friend joined, no qualifying order yet), holding (first qualifying order seen, inside the hold), rewarded, " +
      "cancelled (endReason order_refunded: a refund inside the hold), expired (no qualifying order in orderWindowDays).",
    query: ReferralListQuery,
    responses: ok("A page of referrals", pageOf("referrals", ReferralView)),
  },
  ({ db, merchantId, query }) => listReferrals(db, merchantId, query),
);

api.get(
  "/v1/referrals/leaderboard",
  {
    summary: "Top referrers by friends referred in the last N days",
    query: DaysQuery,
    responses: ok("Leaderboard", listOf("referrers", LeaderboardEntry)),
  },
  async ({ db, merchantId, now, query }) => ({ referrers: await leaderboard(db, merchantId, now, query.days) }),
);

api.get(
  "/v1/referrals/kpis",
  {
    summary: "Referral KPIs over the last N days: referred members, their first orders, refusals, cost in points",
    query: DaysQuery,
    responses: ok("KPIs", ReferralKpis),
  },
  ({ db, merchantId, now, query }) => referralKpis(db, merchantId, now, query.days),
);

api.get(
  "/v1/members/{id}/referral-link",
  {
    summary: "The member's personal referral code, Telegram deep link and Zalo text",
    tag: "Members",
    responses: found("The link", ReferralLinkView, "member-not-found"),
  },
  async ({ c, db, merchantId, deps, now, param }) => {
    const member = await requireMember(db, merchantId, param("id"));
    const code = await referralCodeFor(db, merchantId, member.id, now);
    const username = await telegramBotUsername(deps.config, db, now, c.get("logger"));
    return {
      memberId: member.id,
      code,
      telegramLink: username ? `https://t.me/${username}?start=${REFERRAL_PAYLOAD_PREFIX}${code}` : null,
      zaloText: `ref ${code}`,
    };
  },
);

api.post(
  "/v1/jobs/referrals",
  {
    summary: "Run the referrer-reward pass now (also runs on a schedule); idempotent",
    tag: "Jobs",
    responses: ok(
      "Transitions",
      z.object({
        held: z.number().int(),
        rewarded: z.number().int(),
        cancelled: z.number().int(),
        expired: z.number().int(),
      }),
    ),
  },
  ({ db, merchantId, now }) => runReferralRewards(db, merchantId, now),
);

export const referralRoutes = api.app;
