/**
 * The referrals page: the KPIs of the last N days (GET /v1/referrals/kpis), the referrer leaderboard, the recent
 * referrals with their status and refusal reason (GET /v1/referrals), and the settings form (PUT semantics).
 */
import type { z } from "zod";
import type { ReferralKpis, ReferralSettings, ReferralView, LeaderboardEntry } from "../referrals/schemas.ts";
import { type ConsoleLang, REFERRALS_COPY } from "./copy.ts";
import { daysForm, type FormState, numeric, tableOr } from "./kit.ts";
import { field, flash, fmtDate, fmtNum, h, kpi, sectionPage } from "./views.ts";

type Copy = (typeof REFERRALS_COPY)[ConsoleLang];

export interface ReferralsPageData extends FormState {
  days: number;
  kpis: z.output<typeof ReferralKpis>;
  leaders: z.output<typeof LeaderboardEntry>[];
  recent: z.output<typeof ReferralView>[];
  settings: ReferralSettings;
  timezone: string;
}

/** A member's name, or the end of its id (a friend who joined in chat has no name): enough to tell rows apart. */
const memberLink = (id: string, name: string | null) =>
  h("a", { href: `/console/members/${encodeURIComponent(id)}`, title: id }, name ?? `…${id.slice(-6)}`);

const word = (r: Copy, key: string | null) => (key ? ((r as Record<string, string>)[key] ?? key) : "");

export function settingsValues(s: ReferralSettings): Record<string, string> {
  return {
    enabled: s.enabled ? "on" : "",
    welcomePoints: String(s.welcomePoints),
    referrerPoints: String(s.referrerPoints),
    minOrderAmount: String(s.minOrderAmount),
    holdDays: s.holdDays === null ? "" : String(s.holdDays),
    capPerReferrer: String(s.capPerReferrer),
    capPeriodDays: String(s.capPeriodDays),
    orderWindowDays: String(s.orderWindowDays),
  };
}

export function referralsPage(lang: ConsoleLang, d: ReferralsPageData): string {
  const r = REFERRALS_COPY[lang];
  const n = (x: number) => fmtNum(lang, x);
  const k = d.kpis;
  const values = d.values ?? settingsValues(d.settings);
  const num = (name: keyof typeof values & keyof Copy) =>
    field(r[name], name, { type: "number", value: values[name], errors: d.errors, attrs: { min: 0 } });
  return sectionPage(
    { lang, section: "referrals", title: r.referrals },
    flash(d.flash),
    d.errors ? flash(r.invalid, true) : null,
    daysForm("/console/referrals", r.days.replace("{d}", String(d.days)), d.days, r.show),
    h(
      "div",
      { class: "kpis", id: "referral-kpis" },
      kpi(r.kReferred, n(k.referredMembers), null),
      kpi(r.kFirstOrders, n(k.firstOrders), null),
      kpi(r.kFirstRevenue, `${n(k.firstOrderRevenue)} ₫`, null),
      kpi(r.kRewarded, n(k.rewarded), null),
      kpi(r.kPending, n(k.pending), null),
      kpi(
        r.kRefused,
        n(k.refused),
        k.refused > 0
          ? h(
              "div",
              { class: "d flat" },
              Object.entries(k.refusals)
                .map(([why, c]) => `${word(r, `reason_${why}`)}: ${n(c)}`)
                .join(" · "),
            )
          : null,
      ),
      kpi(
        r.kCost,
        n(k.costPoints.total),
        h(
          "div",
          { class: "d flat" },
          r.costSplit.replace("{w}", n(k.costPoints.welcome)).replace("{r}", n(k.costPoints.rewards)),
        ),
      ),
    ),
    h("h2", null, r.leaderboard),
    tableOr(
      r.noLeaders,
      "leaderboard",
      ["#", r.member, ...numeric(r.referred, r.rewarded, r.points)],
      d.leaders.map((x, i) => [
        String(i + 1),
        memberLink(x.memberId, x.name),
        n(x.referred),
        n(x.rewarded),
        n(x.pointsEarned),
      ]),
    ),
    h("h2", null, r.recent),
    tableOr(
      r.none,
      "referrals",
      [r.when, r.referrer, r.friend, r.channel, r.status, r.reason],
      d.recent.map((x) => [
        fmtDate(lang, x.createdAt, d.timezone),
        memberLink(x.referrerId, x.referrerName),
        memberLink(x.friendId, x.friendName),
        x.channel,
        word(r, `status_${x.status}`),
        word(r, x.refusalReason ? `reason_${x.refusalReason}` : x.endReason ? `reason_${x.endReason}` : null),
      ]),
    ),
    h(
      "form",
      { method: "post", action: "/console/referrals/settings", id: "referral-settings", class: "card" },
      h("h2", null, r.settings),
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "enabled", ...(values.enabled === "on" ? { checked: true } : {}) }),
        r.enabled,
      ),
      h("div", { class: "row" }, num("welcomePoints"), num("referrerPoints"), num("minOrderAmount")),
      h("div", { class: "row" }, num("holdDays"), num("orderWindowDays")),
      h("div", { class: "row" }, num("capPerReferrer"), num("capPeriodDays")),
      h("button", { class: "primary", type: "submit", id: "save-referrals" }, r.save),
    ),
  );
}
