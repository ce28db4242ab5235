/**
 * The reactivation journey page: on/off, attribution window, the steps (segment, message vi/en, offer) as the
 * journeys API allows them, each step's KPIs (sent, converted, revenue…), and "run a pass now".
 */
import type { JourneyView } from "../journeys/service.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { type Choice, errSpan, type FormState, numeric, selectField, tableOr, textareaField } from "./kit.ts";
import { field, flash, fmtDate, fmtNum, h, sectionPage } from "./views.ts";

const MAX_STEPS = 10;

export const JOURNEY_COPY = {
  vi: {
    journeys: "Hành trình kích hoạt lại",
    intro:
      "Mỗi bước là một phân khúc (thường là 7, 14, 28 ngày từ đơn cuối) và một tin nhắn. Thành viên nhận mỗi bước một lần cho mỗi lần rơi vào khoảng đó, không nhận gì sau khi mua lại, không vượt giới hạn tần suất, không trong giờ yên lặng.",
    enabled: "Bật hành trình",
    attribution: "Tính chuyển đổi trong (ngày)",
    step: "Bước",
    segment: "Phân khúc",
    removeHint: "Để trống phân khúc để bỏ bước; điền dòng trống để thêm bước.",
    none: "— bỏ bước —",
    offer: "Ưu đãi (combo)",
    noOffer: "— không có —",
    messageVi: "Tin nhắn tiếng Việt",
    messageEn: "Tin nhắn tiếng Anh",
    kpis: "Kết quả từng bước",
    sent: "Đã gửi",
    converted: "Mua lại",
    rate: "Tỉ lệ",
    revenue: "Doanh thu",
    pending: "Đang chờ",
    skipped: "Bỏ qua",
    failed: "Lỗi",
    noSteps: "Chưa cấu hình. Các bước gợi ý bên dưới dùng phân khúc 7/14/28 ngày có sẵn: sửa tin nhắn rồi lưu.",
    run: "Chạy một lượt ngay",
    lastRun: "Lượt chạy gần nhất",
    budgetWithin: "Ngân sách: lượt gần nhất nằm trong ngân sách tháng.",
    budgetWarned: "Ngân sách: lượt gần nhất vượt ngân sách tháng (chỉ cảnh báo, vẫn gửi) — chi phí ước tính {c}.",
    budgetSkipped:
      "Ngân sách: lượt gần nhất bị bỏ qua vì sẽ vượt ngân sách tháng (chế độ chặn) — chi phí ước tính {c}.",
    budgetSkips: "Số lượt bị bỏ qua vì ngân sách: {n}.",
    saved: "Đã lưu hành trình.",
    queued: "Đã xếp hàng {n} tin nhắn.",
    on: "Đang bật",
    off: "Đang tắt",
    suggest: [
      "Chào {{firstName}}, lâu rồi chưa gặp bạn! Bạn đang có {{points}} điểm.",
      "{{firstName}} ơi, quán nhớ bạn! Ghé lại để dùng {{points}} điểm nhé.",
      "{{firstName}}, điểm của bạn vẫn đang chờ: {{points}} điểm. Hẹn gặp lại!",
    ],
  },
  en: {
    journeys: "Reactivation journey",
    intro:
      "Each step is a segment (typically 7, 14, 28 days since the last order) and a message. A member gets each step once per entry into its window, nothing after buying again, never above the frequency cap, never in quiet hours.",
    enabled: "Journey on",
    attribution: "Count conversions within (days)",
    step: "Step",
    segment: "Segment",
    removeHint: "Empty a step's segment to remove it; fill in the blank row to add one.",
    none: "— remove step —",
    offer: "Offer (bundle)",
    noOffer: "— none —",
    messageVi: "Message in Vietnamese",
    messageEn: "Message in English",
    kpis: "Results per step",
    sent: "Sent",
    converted: "Came back",
    rate: "Rate",
    revenue: "Revenue",
    pending: "Pending",
    skipped: "Skipped",
    failed: "Failed",
    noSteps:
      "Not set up yet. The suggested steps below use the built-in 7/14/28-day segments: edit the messages and save.",
    run: "Run a pass now",
    lastRun: "Last pass",
    budgetWithin: "Budget: the last pass was within the month's budget.",
    budgetWarned: "Budget: the last pass went over the month's budget (warning only, sent) — estimated cost {c}.",
    budgetSkipped:
      "Budget: the last pass was skipped, it would have gone over the month's budget (blocking) — estimated cost {c}.",
    budgetSkips: "Passes skipped for the budget: {n}.",
    saved: "Journey saved.",
    queued: "{n} messages queued.",
    on: "On",
    off: "Off",
    suggest: [
      "Hi {{firstName}}, we haven't seen you for a while! You have {{points}} points.",
      "{{firstName}}, we miss you! Come back and use your {{points}} points.",
      "{{firstName}}, your {{points}} points are still waiting. See you soon!",
    ],
  },
} as const;

type Values = Record<string, string>;

/** The form's values for the saved journey (or the built-in 7/14/28-day suggestion when there are no steps). */
function journeyValues(j: JourneyView): Values {
  const v: Values = { attributionDays: String(j.attributionDays), ...(j.enabled ? { enabled: "on" } : {}) };
  const steps =
    j.steps.length > 0
      ? j.steps
      : ["recent-7", "recent-14", "recent-28"].map((segmentId, i) => ({
          segmentId,
          message: { vi: JOURNEY_COPY.vi.suggest[i]!, en: JOURNEY_COPY.en.suggest[i]! },
          offerId: undefined,
        }));
  steps.forEach((s, i) => {
    v[`steps.${i}.segmentId`] = s.segmentId;
    v[`steps.${i}.message.vi`] = s.message.vi ?? "";
    v[`steps.${i}.message.en`] = s.message.en ?? "";
    v[`steps.${i}.offerId`] = s.offerId ?? "";
  });
  return v;
}

export function journeyPage(
  lang: ConsoleLang,
  d: {
    journey: JourneyView;
    segments: Choice[];
    offers: Choice[];
    queued?: number;
    timezone?: string;
  } & FormState<Values>,
): string {
  const j = JOURNEY_COPY[lang];
  const t = CONSOLE_COPY[lang];
  const j0 = d.journey;
  const v = d.values ?? journeyValues(j0);
  const e = d.errors;
  const filled = Object.keys(v).filter((k) => /^steps\.\d+\.segmentId$/.test(k)).length;
  const rows = [...Array(Math.min(MAX_STEPS, filled + 1)).keys()];
  const segName = new Map(d.segments.map((s) => [s.id, s.name]));
  const segOptions = [{ value: "", label: j.none }, ...d.segments.map((s) => ({ value: s.id, label: s.name }))];
  const offerOptions = [{ value: "", label: j.noOffer }, ...d.offers.map((o) => ({ value: o.id, label: o.name }))];
  const n = (x: number) => fmtNum(lang, x);
  return sectionPage(
    { lang, section: "journeys", title: j.journeys },
    d.flash ? flash(j.saved) : null,
    d.queued !== undefined ? flash(j.queued.replace("{n}", n(d.queued))) : null,
    e ? flash(t.invalid, true) : null,
    h("p", { class: "muted" }, j.intro),
    h("h2", null, j.kpis),
    tableOr(
      j.noSteps,
      "journey-kpis",
      [j.step, j.segment, ...numeric(j.sent, j.converted, j.rate, j.revenue, j.pending, j.skipped, j.failed)],
      j0.steps.map((s, i) => [
        String(i + 1),
        segName.get(s.segmentId) ?? s.segmentId,
        n(s.counts.sent),
        n(s.counts.converted),
        s.counts.sent > 0 ? `${fmtNum(lang, Math.round((s.counts.converted / s.counts.sent) * 1000) / 10)}%` : "–",
        `${n(s.counts.revenue)} ₫`,
        n(s.counts.pending),
        n(s.counts.skipped),
        n(s.counts.failed),
      ]),
    ),
    h(
      "div",
      { class: "row" },
      h(
        "p",
        null,
        `${j0.enabled ? j.on : j.off}. ${j.lastRun}: ${j0.lastRunAt ? fmtDate(lang, j0.lastRunAt, d.timezone ?? "Asia/Ho_Chi_Minh") : "–"}`,
      ),
      j0.budgetCheck
        ? h(
            "p",
            { id: "journey-budget", class: j0.budgetCheck.outcome === "within" ? "muted" : "err" },
            (j0.budgetCheck.outcome === "within"
              ? j.budgetWithin
              : j0.budgetCheck.outcome === "warned"
                ? j.budgetWarned
                : j.budgetSkipped
            ).replace("{c}", fmtNum(lang, j0.budgetCheck.cost ?? 0)),
            j0.budgetSkips > 0 ? ` ${j.budgetSkips.replace("{n}", fmtNum(lang, j0.budgetSkips))}` : "",
          )
        : null,
      h(
        "form",
        { method: "post", action: "/console/journeys/run" },
        h("button", { class: "secondary", type: "submit", id: "run-journey" }, j.run),
      ),
    ),
    h(
      "form",
      { method: "post", action: "/console/journeys", id: "journey" },
      h(
        "div",
        { class: "card" },
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: "enabled", ...(v.enabled === "on" ? { checked: true } : {}) }),
          j.enabled,
        ),
        field(j.attribution, "attributionDays", { type: "number", value: v.attributionDays, errors: e }),
        h("p", { class: "muted" }, j.removeHint),
        errSpan(e, "steps"),
      ),
      ...rows.map((i) =>
        h(
          "div",
          { class: "card step", "data-step": String(i) },
          h("h2", null, `${j.step} ${i + 1}`),
          h(
            "div",
            { class: "row" },
            selectField(j.segment, `steps.${i}.segmentId`, segOptions, v[`steps.${i}.segmentId`], e),
            selectField(j.offer, `steps.${i}.offerId`, offerOptions, v[`steps.${i}.offerId`], e),
          ),
          textareaField(j.messageVi, `steps.${i}.message.vi`, v[`steps.${i}.message.vi`], e, { maxlength: 4000 }),
          textareaField(j.messageEn, `steps.${i}.message.en`, v[`steps.${i}.message.en`], e, { maxlength: 4000 }),
          errSpan(e, `steps.${i}.message`),
        ),
      ),
      h("button", { class: "primary", type: "submit" }, t.save),
    ),
  );
}
