/** The console's pages (overview, members, a member, rewards): data in, HTML out. */
import type { Summary } from "../analytics/service.ts";
import type { MemberView } from "../members/schemas.ts";
import type { MemberRow } from "../ledger/ledger.ts";
import type { RewardRow } from "../rewards/service.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { privacyCard } from "./privacy-card.ts";
import { card, formCard, hint, numeric, options, selectField, table } from "./kit.ts";
import { chartData, field, flash, fmtDate, fmtNum, h, kpi, kpiDelta, page, raw, sectionPage } from "./views.ts";

const day = (d: string) => Math.round(Date.parse(`${d.slice(0, 10)}T00:00:00Z`) / 1000);

/** `filter`: the store filter form (stores-page.ts), shown above the KPIs when the merchant has stores. */
export function overviewPage(lang: ConsoleLang, cur: Summary, prev: Summary, filter: unknown = null): string {
  const t = CONSOLE_COPY[lang];
  const n = (v: number) => fmtNum(lang, v);
  const pct = (v: number) => `${fmtNum(lang, Math.round(v * 1000) / 10)}%`;
  const x = cur.daily.map((d) => day(d.day));
  const charts = {
    charts: [
      {
        target: "chart-orders",
        x,
        axes: [
          { scale: "orders", label: t.sOrders },
          { scale: "revenue", label: t.sRevenue },
        ],
        series: [
          { label: t.sOrders, color: "#1a5fd0", scale: "orders", values: cur.daily.map((d) => d.orders) },
          { label: t.sRevenue, color: "#137a3a", scale: "revenue", values: cur.daily.map((d) => d.revenue) },
        ],
      },
      {
        target: "chart-points",
        x,
        axes: [{ scale: "points", label: t.points }],
        series: [
          { label: t.sIssued, color: "#1a5fd0", scale: "points", values: cur.daily.map((d) => d.pointsIssued) },
          { label: t.sRedeemed, color: "#c25e00", scale: "points", values: cur.daily.map((d) => d.pointsRedeemed) },
        ],
      },
    ],
  };
  const hasOrders = cur.orders.count > 0;
  return sectionPage(
    { lang, section: "overview", title: t.overview },
    h("p", { class: "muted" }, t.last30),
    filter,
    cur.members.total === 0 ? h("p", { class: "empty", id: "empty-members" }, t.emptyNoMembers) : null,
    h(
      "div",
      { class: "kpis", id: "kpis" },
      kpi(t.kMembers, n(cur.members.total), null),
      kpi(t.kNewMembers, n(cur.members.new), kpiDelta(lang, cur.members.new, prev.members.new)),
      kpi(t.kActive, n(cur.members.active), kpiDelta(lang, cur.members.active, prev.members.active)),
      kpi(t.kOrders, n(cur.orders.count), kpiDelta(lang, cur.orders.count, prev.orders.count)),
      kpi(`${t.kRevenue} (₫)`, n(cur.orders.revenue), kpiDelta(lang, cur.orders.revenue, prev.orders.revenue)),
      kpi(
        `${t.kAov} (₫)`,
        n(cur.orders.averageOrderValue),
        kpiDelta(lang, cur.orders.averageOrderValue, prev.orders.averageOrderValue),
      ),
      kpi(t.kIssued, n(cur.points.issued), kpiDelta(lang, cur.points.issued, prev.points.issued)),
      kpi(t.kRedeemed, n(cur.points.redeemed), kpiDelta(lang, cur.points.redeemed, prev.points.redeemed)),
      kpi(t.kOutstanding, n(cur.points.outstanding), null),
      kpi(
        t.kRepeat,
        pct(cur.repeatPurchaseRate),
        kpiDelta(lang, cur.repeatPurchaseRate, prev.repeatPurchaseRate, true),
      ),
      kpi(t.kLinked, n(cur.members.linkedChat), null),
    ),
    hasOrders
      ? h(
          "div",
          { class: "two" },
          h("div", { class: "card" }, h("h2", null, t.chartOrders), h("div", { class: "chart", id: "chart-orders" })),
          h("div", { class: "card" }, h("h2", null, t.chartPoints), h("div", { class: "chart", id: "chart-points" })),
        )
      : h("p", { class: "empty", id: "empty-orders" }, t.emptyNoOrders),
    hasOrders ? chartData(charts) : null,
    h(
      "div",
      { class: "two" },
      h(
        "div",
        { class: "card" },
        h("h2", null, t.tiers),
        h(
          "table",
          null,
          h(
            "tbody",
            null,
            ...cur.tiers.map((r) => h("tr", null, h("td", null, r.name), h("td", { class: "n" }, n(r.members)))),
          ),
        ),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", null, t.topRewards),
        cur.topRewards.length === 0
          ? h("p", { class: "muted" }, t.none)
          : h(
              "table",
              null,
              h(
                "tbody",
                null,
                ...cur.topRewards.map((r) =>
                  h("tr", null, h("td", null, r.name), h("td", { class: "n" }, n(r.redemptions))),
                ),
              ),
            ),
      ),
    ),
  );
}

/** The search results table (also what htmx swaps in as the merchant types). */
export function memberRows(lang: ConsoleLang, rows: MemberRow[]) {
  const t = CONSOLE_COPY[lang];
  if (rows.length === 0) return h("p", { class: "muted", id: "no-match" }, t.noMatch);
  return table(
    "member-table",
    [t.name, t.phone, t.code, t.tier, ...numeric(t.points)],
    rows.map((m) => [
      h("a", { href: `/console/members/${encodeURIComponent(m.id)}` }, m.name || m.id),
      m.phone ?? "",
      m.externalId ?? "",
      m.tierName ?? "",
      fmtNum(lang, m.pointsTotal),
    ]),
  );
}

export function membersPage(lang: ConsoleLang, q: string, rows: MemberRow[]): string {
  const t = CONSOLE_COPY[lang];
  return sectionPage(
    { lang, section: "members", title: t.members },
    h(
      "form",
      { class: "row", method: "get", action: "/console/members", role: "search" },
      h(
        "label",
        null,
        t.search,
        h("input", {
          type: "search",
          name: "q",
          id: "q",
          value: q,
          maxlength: 100,
          "hx-get": "/console/members/search",
          "hx-trigger": "input changed delay:300ms, search",
          "hx-target": "#results",
        }),
      ),
      h("button", { class: "secondary", type: "submit" }, t.searchBtn),
    ),
    h("div", { id: "results" }, memberRows(lang, rows)),
  );
}

export interface MemberPageData {
  view: MemberView;
  lots: { id: number; points: number; remaining: number; earnedAt: Date; availableAt: Date; expiresAt: Date | null }[];
  ledger: {
    id: number;
    kind: string;
    points: number;
    reason: string | null;
    createdAt: Date;
    orderId: string | null;
  }[];
  timezone: string;
  idempotencyKey: string;
  flash?: { text: string; bad?: boolean };
  adjustErrors?: Record<string, string>;
  link?: { code: string; expiresAt: Date; telegramLink: string | null; qrSvg: string | null };
  erasedAt?: Date | null;
}

export function memberPage(lang: ConsoleLang, d: MemberPageData): string {
  const t = CONSOLE_COPY[lang];
  const v = d.view;
  const n = (x: number) => fmtNum(lang, x);
  const date = (x: Date | string | null) => (x ? fmtDate(lang, x, d.timezone) : t.never);
  const base = `/console/members/${encodeURIComponent(v.id)}`;
  const progress = v.nextTier
    ? Math.min(100, Math.round((v.netSpend / Math.max(1, v.nextTier.minSpend)) * 10) * 10)
    : 100;
  return page(
    { lang, title: v.name || v.id, section: "members", signedIn: true, back: base },
    h("h1", null, v.name || v.id),
    d.flash ? flash(d.flash.text, d.flash.bad) : null,
    h(
      "div",
      { class: "kpis" },
      kpi(t.balance, n(v.points.balance), null),
      kpi(t.pending, n(v.points.pending), null),
      kpi(t.tier, v.tier?.name ?? t.noTier, null),
      kpi(t.netSpend, `${n(v.netSpend)} ₫`, null),
    ),
    h(
      "div",
      { class: "card", id: "tier-progress" },
      v.nextTier
        ? h(
            "p",
            null,
            `${t.nextTier}: ${v.nextTier.name} — ${n(v.nextTier.spendNeeded)} ₫ ${t.spendNeeded} ${v.nextTier.name}`,
          )
        : h("p", null, t.topTier),
      h("div", { class: "bar" }, h("span", { class: `p${progress}` })),
      h(
        "p",
        { class: "muted" },
        `${t.phone}: ${v.phone ?? "–"} · ${t.code}: ${v.externalId ?? "–"} · ${t.channels}: ${
          v.channels.length ? v.channels.map((c) => c.channel).join(", ") : t.none
        }`,
      ),
    ),
    h(
      "div",
      { class: "two" },
      // No "check the fields" flash here: the adjust errors show at their fields only.
      formCard(
        lang,
        t.adjust,
        { action: `${base}/adjust`, id: "adjust", hint: t.adjustHint },
        h("input", { type: "hidden", name: "idempotencyKey", value: d.idempotencyKey }),
        field(t.points, "points", { type: "number", errors: d.adjustErrors, attrs: { required: true, step: 1 } }),
        field(t.reason, "reason", { errors: d.adjustErrors, attrs: { required: true, maxlength: 500 } }),
        h("button", { class: "primary", type: "submit" }, t.adjustBtn),
      ),
      card(
        { title: t.linkCode, id: "link" },
        hint(t.linkHint),
        d.link
          ? h(
              "div",
              null,
              h(
                "p",
                null,
                h("strong", { id: "link-code" }, d.link.code),
                ` · ${t.codeExpires} ${date(d.link.expiresAt)}`,
              ),
              d.link.telegramLink
                ? h(
                    "p",
                    null,
                    `${t.telegram} `,
                    h("a", { href: d.link.telegramLink, id: "telegram-link", rel: "noopener" }, d.link.telegramLink),
                  )
                : h("p", { class: "muted" }, t.telegramNone),
              h("p", null, t.zalo),
              d.link.qrSvg ? h("div", { class: "qr", id: "qr" }, raw(d.link.qrSvg)) : null,
            )
          : null,
        h(
          "form",
          { method: "post", action: `${base}/link-code` },
          h("button", { class: "secondary", type: "submit", id: "make-link" }, t.linkBtn),
        ),
      ),
    ),
    h("h2", null, t.lots),
    table(
      "lots",
      [...numeric(t.points, t.remaining), t.earnedAt, t.availableAt, t.expiresAt],
      d.lots.map((l) => [n(l.points), n(l.remaining), date(l.earnedAt), date(l.availableAt), date(l.expiresAt)]),
    ),
    h("h2", null, t.ledger),
    table(
      "ledger",
      [t.when, t.kind, ...numeric(t.points), t.reason],
      d.ledger.map((e) => [
        date(e.createdAt),
        e.kind,
        `${e.points > 0 ? "+" : ""}${n(e.points)}`,
        e.reason ?? (e.orderId ? `order ${e.orderId}` : ""),
      ]),
    ),
    privacyCard(lang, base, d.erasedAt ?? null),
  );
}

export function rewardsPage(
  lang: ConsoleLang,
  rows: RewardRow[],
  opts: {
    flash?: { text: string; bad?: boolean };
    errors?: Record<string, string>;
    values?: Record<string, string>;
  } = {},
): string {
  const t = CONSOLE_COPY[lang];
  const n = (x: number) => fmtNum(lang, x);
  const kinds = { voucher: t.kindVoucher, product: t.kindProduct, perk: t.kindPerk } as const;
  const val = opts.values ?? {};
  return sectionPage(
    { lang, section: "rewards", title: t.rewards },
    opts.flash ? flash(opts.flash.text, opts.flash.bad) : null,
    rows.length === 0 ? h("p", { class: "empty", id: "empty-rewards" }, t.emptyNoRewards) : null,
    rows.length
      ? table(
          "rewards",
          [t.rewardName, t.rewardKind, `${t.cost} / ${t.stock}`, t.active],
          rows.map((r) => {
            const base = `/console/rewards/${encodeURIComponent(r.id)}`;
            return [
              [r.name, r.minTier ? h("div", { class: "muted" }, `${t.minTier}: ${r.minTier}`) : null],
              [kinds[r.kind], r.value !== null ? h("div", { class: "muted" }, `${n(r.value)} ₫`) : null],
              h(
                "form",
                { class: "row", method: "post", action: base },
                h("input", {
                  name: "cost",
                  type: "number",
                  min: 1,
                  value: r.cost,
                  "aria-label": t.cost,
                  required: true,
                }),
                h("input", {
                  name: "stock",
                  type: "number",
                  min: 0,
                  value: r.stock ?? "",
                  placeholder: t.unlimited,
                  "aria-label": t.stock,
                }),
                h("button", { class: "secondary", type: "submit" }, t.save),
              ),
              [
                h("div", null, r.active ? t.active : t.inactive),
                h(
                  "form",
                  { method: "post", action: `${base}/active` },
                  h("input", { type: "hidden", name: "active", value: r.active ? "false" : "true" }),
                  h("button", { class: "secondary", type: "submit" }, r.active ? t.deactivate : t.activate),
                ),
              ],
            ];
          }),
          (i) => ({ "data-reward": rows[i]!.name }),
        )
      : null,
    formCard(
      lang,
      t.addReward,
      { action: "/console/rewards", id: "add-reward", errors: opts.errors },
      field(t.rewardName, "name", { value: val.name, errors: opts.errors, attrs: { required: true, maxlength: 200 } }),
      selectField(t.rewardKind, "kind", options(kinds), val.kind),
      field(t.cost, "cost", {
        type: "number",
        value: val.cost,
        errors: opts.errors,
        attrs: { required: true, min: 1 },
      }),
      field(`${t.value} (${t.optional})`, "value", { type: "number", value: val.value, errors: opts.errors }),
      field(t.stock, "stock", { type: "number", value: val.stock, errors: opts.errors, attrs: { min: 0 } }),
      field(`${t.minTier} (${t.optional})`, "minTier", { value: val.minTier, errors: opts.errors }),
      h("button", { class: "primary", type: "submit" }, t.add),
    ),
  );
}
