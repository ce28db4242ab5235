/**
 * The recommendations page: the current co-purchase model (version, build time, orders, thresholds), its top rules,
 * a rebuild button (POST /v1/recs/model/builds semantics), and the offers report (GET /v1/offers/report: per-kind
 * funnel shown → claimed → bought → revenue, and the holdout uplift).
 */
import type { ModelInfo } from "../recs/build.ts";
import type { TopRule } from "../recs/model.ts";
import type { OfferReportT } from "../offers/report.ts";
import type { ConsoleLang } from "./copy.ts";
import { daysForm, numeric, table, tableOr } from "./kit.ts";
import { flash, fmtDate, fmtNum, h, kpi, sectionPage } from "./views.ts";

export const RECS_COPY = {
  vi: {
    recs: "Gợi ý sản phẩm",
    model: "Mô hình mua kèm",
    noModel: "Chưa có mô hình. Khi đã có đơn hàng, bấm Xây lại để học các sản phẩm hay được mua cùng nhau.",
    version: "Phiên bản",
    builtAt: "Xây lúc",
    orders: "Đơn hàng đã học",
    rules: "Quy tắc",
    items: "Sản phẩm",
    thresholds: "Ngưỡng: hỗ trợ ≥ {s}, độ tin cậy ≥ {c}, tối đa {l} sản phẩm mỗi quy tắc",
    rebuild: "Xây lại mô hình",
    force: "Xây lại kể cả khi không có đơn mới",
    built: "Đã xây phiên bản {v}.",
    unchanged: "Không có gì mới kể từ phiên bản {v}: giữ nguyên.",
    top: "Quy tắc mạnh nhất",
    ifBought: "Khi mua",
    alsoBuys: "thường mua thêm",
    support: "Hỗ trợ",
    confidence: "Độ tin cậy",
    lift: "Lift",
    count: "Số đơn",
    noRules: "Mô hình chưa có quy tắc nào (cần thêm đơn có nhiều sản phẩm).",
    report: "Hiệu quả ưu đãi",
    days: "Trong {d} ngày qua",
    kind: "Loại",
    shown: "Đã hiển thị",
    members: "Thành viên",
    claimed: "Đã nhận",
    bought: "Đã mua",
    revenue: "Doanh thu",
    margin: "Lợi nhuận gộp",
    claimRate: "Tỉ lệ nhận",
    buyRate: "Tỉ lệ mua",
    total: "Tổng",
    noOffers: "Chưa có ưu đãi nào được hiển thị trong khoảng này.",
    holdout: "Nhóm không nhận ưu đãi ({p}%)",
    noHoldout: "Không có nhóm đối chứng (holdoutPercent = 0 trong cài đặt ưu đãi): chưa đo được mức tăng.",
    offered: "Doanh thu/thành viên (nhận ưu đãi)",
    held: "Doanh thu/thành viên (không nhận)",
    uplift: "Chênh lệch/thành viên",
    perWeek: "Ưu đãi/thành viên/tuần",
    show: "Xem",
  },
  en: {
    recs: "Recommendations",
    model: "Co-purchase model",
    noModel: "No model yet. Once there are orders, press Rebuild to learn which products are bought together.",
    version: "Version",
    builtAt: "Built at",
    orders: "Orders learned from",
    rules: "Rules",
    items: "Products",
    thresholds: "Thresholds: support ≥ {s}, confidence ≥ {c}, at most {l} products per rule",
    rebuild: "Rebuild the model",
    force: "Rebuild even when there is no new order",
    built: "Version {v} built.",
    unchanged: "Nothing new since version {v}: kept as is.",
    top: "Top rules",
    ifBought: "Who buys",
    alsoBuys: "also buys",
    support: "Support",
    confidence: "Confidence",
    lift: "Lift",
    count: "Orders",
    noRules: "The model has no rules yet (it needs more orders with several products).",
    report: "What offers sell",
    days: "In the last {d} days",
    kind: "Kind",
    shown: "Shown",
    members: "Members",
    claimed: "Claimed",
    bought: "Bought",
    revenue: "Revenue",
    margin: "Gross margin",
    claimRate: "Claim rate",
    buyRate: "Buy rate",
    total: "Total",
    noOffers: "No offers were shown in this period.",
    holdout: "Holdout group ({p}%)",
    noHoldout: "No holdout (offers settings holdoutPercent = 0): uplift cannot be measured yet.",
    offered: "Revenue per member (offered)",
    held: "Revenue per member (holdout)",
    uplift: "Uplift per member",
    perWeek: "Offers per member per week",
    show: "Show",
  },
} as const;

const dec = (lang: ConsoleLang, x: number, digits = 3) => fmtNum(lang, Math.round(x * 10 ** digits) / 10 ** digits);
const rate = (lang: ConsoleLang, x: number | null) => (x === null ? "–" : `${dec(lang, x * 100, 1)}%`);

export function recsPage(
  lang: ConsoleLang,
  d: {
    model: ModelInfo | null;
    rules: TopRule[];
    report: OfferReportT;
    days: number;
    /** The report's store select (null without stores). */
    storeSelect?: ReturnType<typeof h> | null;
    timezone: string;
    flash?: string;
  },
): string {
  const r = RECS_COPY[lang];
  const n = (x: number) => fmtNum(lang, x);
  const m = d.model;
  const label = (sku: string, name: string | null) => (name ? `${name} (${sku})` : sku);
  const funnel = (k: OfferReportT["total"]) => [
    n(k.offers),
    n(k.members),
    n(k.claimed),
    rate(lang, k.claimRate),
    n(k.bought),
    rate(lang, k.buyRate),
    `${n(k.revenue)} ₫`,
    `${n(k.margin)} ₫`,
  ];
  const rep = d.report;
  return sectionPage(
    { lang, section: "recommendations", title: r.recs },
    flash(d.flash),
    h(
      "div",
      { class: "card", id: "model" },
      h("h2", null, r.model),
      m
        ? h(
            "div",
            null,
            h(
              "div",
              { class: "kpis" },
              kpi(r.version, n(m.version), null),
              kpi(r.orders, n(m.nTransactions), null),
              kpi(r.rules, n(m.params.rules), null),
              kpi(r.items, n(m.params.items), null),
            ),
            h("p", { class: "muted" }, `${r.builtAt}: ${fmtDate(lang, m.builtAt, d.timezone)}`),
            h(
              "p",
              { class: "muted" },
              r.thresholds
                .replace("{s}", dec(lang, m.params.minSupport, 4))
                .replace("{c}", dec(lang, m.params.minConfidence))
                .replace("{l}", String(m.params.maxLen)),
            ),
          )
        : h("p", { class: "empty" }, r.noModel),
      h(
        "form",
        { class: "row", method: "post", action: "/console/recommendations/rebuild" },
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "force" }), r.force),
        h("button", { class: "primary", type: "submit", id: "rebuild" }, r.rebuild),
      ),
    ),
    m ? h("h2", null, r.top) : null,
    m
      ? tableOr(
          r.noRules,
          "rules",
          [r.ifBought, r.alsoBuys, ...numeric(r.support, r.confidence, r.lift, r.count)],
          d.rules.map((x) => [
            x.lhs.map((s, i) => label(s, x.lhsNames[i] ?? null)).join(" + "),
            label(x.rhs, x.rhsName),
            dec(lang, x.support, 4),
            dec(lang, x.confidence),
            dec(lang, x.lift, 2),
            n(x.count),
          ]),
        )
      : null,
    h("h2", { id: "offers-report" }, r.report),
    daysForm("/console/recommendations", r.days.replace("{d}", String(d.days)), d.days, r.show, d.storeSelect ?? null),
    rep.total.offers === 0
      ? h("p", { class: "empty" }, r.noOffers)
      : table(
          "offer-report",
          [r.kind, ...numeric(r.shown, r.members, r.claimed, r.claimRate, r.bought, r.buyRate, r.revenue, r.margin)],
          [
            ...rep.kinds.filter((k) => k.offers > 0).map((k) => [k.kind, ...funnel(k)]),
            [h("strong", null, r.total), ...funnel(rep.total)],
          ],
        ),
    rep.offersPerMemberPerWeek !== null
      ? h("p", { class: "muted" }, `${r.perWeek}: ${dec(lang, rep.offersPerMemberPerWeek, 2)}`)
      : null,
    rep.holdout
      ? h(
          "div",
          { class: "kpis", id: "holdout" },
          kpi(
            r.offered,
            `${n(rep.holdout.offered.revenuePerMember)} ₫`,
            h("div", { class: "d flat" }, `${n(rep.holdout.offered.members)} ${r.members}`),
          ),
          kpi(
            r.held,
            `${n(rep.holdout.holdout.revenuePerMember)} ₫`,
            h("div", { class: "d flat" }, r.holdout.replace("{p}", fmtNum(lang, rep.holdout.percent))),
          ),
          kpi(
            r.uplift,
            `${rep.holdout.upliftPerMember > 0 ? "+" : ""}${n(rep.holdout.upliftPerMember)} ₫`,
            rep.holdout.upliftPercent === null
              ? null
              : h("div", { class: "d flat" }, `${dec(lang, rep.holdout.upliftPercent, 2)}%`),
          ),
        )
      : h("p", { class: "muted", id: "holdout" }, r.noHoldout),
  );
}
