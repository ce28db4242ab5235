/**
 * The Budget page (GET /v1/budget/report and the settings of PUT /v1/budget/settings): this month against its
 * budgets, liability and breakage, cost per member, the campaigns' incremental revenue, a uPlot chart of points
 * issued per month vs the budget, and the settings form. Also the estimate shown in the campaign compose page.
 */
import type { BudgetEstimate, BudgetReport } from "../budget/service.ts";
import { BUDGET_COPY, CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { domainErrors, type Errors, formCard, numeric, options, selectField, table, tableOr } from "./kit.ts";
import { DomainError } from "../lib/errors.ts";
import { chartData, field, flash, fmtDate, fmtNum, h, kpi, sectionPage } from "./views.ts";

/** "2026-11" → the month's first day as a uPlot time (seconds). */
const monthX = (m: string) => Math.round(Date.parse(`${m}-01T00:00:00Z`) / 1000);

const fill = (s: string, v: Record<string, string>) => s.replace(/\{(\w+)\}/g, (_, k: string) => v[k] ?? "");

export function budgetPage(
  lang: ConsoleLang,
  d: { report: BudgetReport; values: Record<string, string>; errors?: Errors; flash?: string; timezone: string },
): string {
  const b = BUDGET_COPY[lang];
  const t = CONSOLE_COPY[lang];
  const r = d.report;
  const n = (x: number | null) => fmtNum(lang, x);
  const line = (l: BudgetReport["current"]["points"]) =>
    l.budget === null
      ? h("div", { class: "d flat" }, b.noBudget)
      : h(
          "div",
          { class: l.remaining === 0 ? "d down" : "d flat" },
          `${b.ofBudget} ${n(l.budget)} · ${n(l.remaining)} ${b.left}`,
        );
  const e = d.errors;
  const v = d.values;
  /** A whole-number field of the settings form (empty allowed), its error in place. */
  const amount = (label: string, name: string, min = 0) =>
    field(label, name, { type: "number", value: v[name], errors: e, attrs: { min } });
  const rate = r.liability.breakageRate.value;
  return sectionPage(
    { lang, section: "budget", title: b.title },
    h("p", { class: "muted" }, b.intro),
    flash(d.flash),
    h(
      "div",
      { class: "kpis", id: "budget-kpis" },
      kpi(b.issuedMonth, n(r.current.points.used), line(r.current.points)),
      kpi(b.spendMonth, n(r.current.spend.used), line(r.current.spend)),
      kpi(
        b.reserved,
        n(r.current.reserved.spend),
        h(
          "div",
          { class: "d flat", id: "budget-reserved" },
          fill(b.reservedDetail, { points: n(r.current.reserved.points), spend: n(r.current.reserved.spend) }),
        ),
      ),
      kpi(b.liability, n(r.liability.value), null),
      kpi(
        b.breakage,
        n(r.liability.expectedBreakage),
        h("div", { class: "d flat" }, `${b.breakageRate}: ${rate === null ? "–" : `${fmtNum(lang, rate * 100)}%`}`),
      ),
      kpi(b.perMember, n(r.costPerMember.value), null),
      kpi(
        b.incremental,
        n(r.campaigns.incrementalRevenue),
        h("div", { class: "d flat" }, `${b.programCost}: ${n(r.campaigns.programCost)}`),
      ),
    ),
    h("div", { class: "card" }, h("h2", null, b.chart), h("div", { class: "chart", id: "chart-budget" })),
    chartData({
      charts: [
        {
          target: "chart-budget",
          x: r.months.map((m) => monthX(m.month)),
          axes: [{ scale: "points", label: t.points }],
          series: [
            { label: b.sIssued, color: "#1a5fd0", scale: "points", values: r.months.map((m) => m.pointsIssued) },
            { label: b.sBudget, color: "#c25e00", scale: "points", values: r.months.map((m) => m.pointsBudget) },
          ],
        },
      ],
    }),
    table(
      "budget-months",
      [b.month, ...numeric(b.sIssued, b.sBudget, b.pointsCost, b.zns, b.llm, b.spendBudget, b.cost)],
      r.months.map((m) => [
        m.month,
        n(m.pointsIssued),
        n(m.pointsBudget),
        n(m.pointsCost),
        n(m.znsCost),
        n(m.llmCost),
        n(m.spendBudget),
        n(m.programCost),
      ]),
      (i) => ({ "data-month": r.months[i]!.month }),
    ),
    h(
      "div",
      { class: "two" },
      h(
        "div",
        { class: "card" },
        h("h2", null, b.campaigns),
        tableOr(
          b.noCampaigns,
          "budget-campaigns",
          [t.name, b.started, ...numeric(b.messageCost, b.incrementalShort)],
          r.campaigns.items.map((c) => [
            h("a", { href: `/console/campaigns/${encodeURIComponent(c.id)}` }, c.name),
            fmtDate(lang, c.startedAt, d.timezone),
            n(c.messageCost),
            n(c.incrementalRevenue),
          ]),
        ),
      ),
      formCard(
        lang,
        b.settings,
        { action: "/console/budget", id: "budget-settings", errors: e },
        selectField(b.enforcement, "enforcement", options({ warn: b.warn, block: b.block }), v.enforcement, e),
        h("p", { class: "muted" }, b.emptyNone),
        amount(b.monthlyPoints, "monthly.points"),
        amount(b.monthlySpend, "monthly.spend"),
        h("p", { class: "muted" }, b.monthHint),
        amount(`${b.thisMonthPoints} (${r.month})`, "month.points"),
        amount(`${b.thisMonthSpend} (${r.month})`, "month.spend"),
        h("p", { class: "muted" }, b.pointValueHint),
        h(
          "div",
          { class: "row" },
          amount(b.pointValue, "pointValue.amount"),
          amount(b.pointValuePer, "pointValue.points", 1),
        ),
        amount(b.llmPrice, "llmPricePerMillionTokens"),
        h("button", { class: "primary", type: "submit", id: "save-budget" }, t.save),
      ),
    ),
  );
}

/**
 * A refused send (campaign start, survey send) in the console's language: over a blocking budget → which budget
 * and month; any other refusal → its message.
 */
export function sendRefusal(lang: ConsoleLang, err: unknown): string {
  const e = err instanceof DomainError && err.slug === "over-budget" ? (err.extra.estimate as BudgetEstimate) : null;
  if (!e) return Object.values(domainErrors(err)).join("; ");
  const b = BUDGET_COPY[lang];
  const what = e.over.map((o) => (o === "points" ? b.overPoints : b.overSpend)).join(", ");
  return `${fill(b.over, { month: e.month, what })} ${b.notSent}`;
}

/** The compose page's estimate (under the live preview): cost, and whether it fits this month's budget. */
export function estimateFragment(lang: ConsoleLang, e: BudgetEstimate) {
  const b = BUDGET_COPY[lang];
  const n = (x: number) => fmtNum(lang, x);
  const what = e.over.map((o) => (o === "points" ? b.overPoints : b.overSpend)).join(", ");
  return h(
    "div",
    { id: "budget-estimate", "data-over": e.over.join(",") },
    h("h3", null, b.estimate),
    h(
      "p",
      null,
      fill(b.estimateLine, {
        messages: n(e.messages),
        price: n(e.pricePerMessage),
        bonus: n(e.bonusPoints),
        cost: n(e.cost),
      }),
    ),
    e.over.length > 0
      ? h(
          "p",
          { class: "err", role: "alert" },
          `${fill(b.over, { month: e.month, what })} ${e.enforcement === "block" ? b.overBlock : b.overWarn}`,
        )
      : h("p", { class: "muted" }, fill(b.within, { month: e.month })),
    h("p", { class: "muted" }, b.upperBound),
  );
}
