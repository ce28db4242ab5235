/**
 * The campaigns pages: the list, the compose form with a live preview of the message for a sample member of the
 * chosen segment (htmx), and a campaign's page whose progress and KPIs (control-group uplift) refresh by htmx polling
 * while it is scheduled or sending. Data comes from the campaigns services (the same as /v1/campaigns).
 */
import type { CampaignKpis, CampaignView } from "../campaigns/service.ts";
import type { CampaignPreview } from "../campaigns/preview.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import {
  type Choice,
  type Errors,
  errSpan,
  formCard,
  type FormState,
  numeric,
  options,
  previewErrors,
  selectField,
  tableOr,
  textareaField,
} from "./kit.ts";
import { field, flash, fmtDate, fmtNum, h, kpi, page, sectionPage } from "./views.ts";

export const CAMPAIGN_COPY = {
  vi: {
    campaigns: "Chiến dịch",
    none: "Chưa có chiến dịch. Soạn chiến dịch đầu tiên bên dưới: chọn phân khúc, viết tin nhắn, xem trước rồi gửi.",
    compose: "Soạn chiến dịch",
    segment: "Phân khúc",
    offer: "Ưu đãi (combo) kèm nút nhận",
    noOffer: "— không có —",
    messageVi: "Tin nhắn tiếng Việt",
    messageEn: "Tin nhắn tiếng Anh (không bắt buộc)",
    placeholders:
      "Có thể dùng {{firstName}}, {{name}}, {{points}}, {{tier}}. Thành viên nhận tin theo ngôn ngữ của mình.",
    control: "Nhóm đối chứng (% không gửi, để đo hiệu quả)",
    sendAt: "Gửi lúc (giờ của cửa hàng)",
    sendNow: "Gửi ngay",
    schedule: "Lên lịch",
    draft: "Lưu nháp",
    preview: "Xem trước",
    inSegment: "thành viên trong phân khúc lúc này",
    sampleFor: "Mẫu cho",
    emptySegment: "Phân khúc đang trống: tin hiển thị cho một thành viên không tên, 0 điểm.",
    status: "Trạng thái",
    recipients: "Người nhận",
    sent: "Đã gửi",
    created: "Tạo lúc",
    st: { draft: "Nháp", scheduled: "Đã lên lịch", sending: "Đang gửi", done: "Đã gửi xong", cancelled: "Đã hủy" },
    progress: "Tiến độ",
    pending: "Đang chờ",
    failed: "Lỗi",
    blocked: "Bị chặn",
    optedOut: "Đã từ chối nhận",
    skippedCap: "Vượt giới hạn tần suất",
    controlGroup: "Nhóm đối chứng",
    kpis: "Hiệu quả",
    attribution: "Đơn hàng trong {d} ngày sau khi nhận tin",
    delivered: "Đã nhận",
    conversions: "Mua hàng",
    rate: "Tỉ lệ mua",
    orders: "Đơn hàng",
    revenue: "Doanh thu",
    aov: "Giá trị đơn TB",
    claims: "Lượt nhận ưu đãi",
    uplift: "Chênh lệch so với đối chứng",
    upliftRate: "Tỉ lệ mua tăng thêm",
    upliftRelative: "Tăng tương đối",
    incConversions: "Lượt mua tăng thêm",
    incRevenue: "Doanh thu tăng thêm",
    noControl: "Không có nhóm đối chứng: đặt % đối chứng khi soạn để đo mức tăng.",
    cancel: "Hủy chiến dịch",
    scheduledFor: "Lên lịch gửi lúc",
    started: "Bắt đầu gửi",
    finished: "Hoàn tất",
    createdOk: "Đã tạo chiến dịch.",
    sendingOk: "Đang gửi chiến dịch.",
    cancelledOk: "Đã hủy chiến dịch.",
    sendAtNeeded: "chọn thời điểm gửi để lên lịch",
    channel: "Kênh gửi",
    channelAuto: "Tự động: chat đã liên kết, nếu không có thì ZNS",
    channelChat: "Chỉ chat (Telegram, Zalo)",
    channelZns: "Chỉ ZNS (tin mẫu Zalo đến số điện thoại)",
    znsTemplate: "Mẫu ZNS (cho thành viên chưa liên kết chat)",
    noZnsTemplate: "— không dùng ZNS —",
  },
  en: {
    campaigns: "Campaigns",
    none: "No campaigns yet. Compose the first one below: pick a segment, write the message, preview it, send.",
    compose: "Compose a campaign",
    segment: "Segment",
    offer: "Offer (bundle) with a claim button",
    noOffer: "— none —",
    messageVi: "Message in Vietnamese",
    messageEn: "Message in English (optional)",
    placeholders: "You can use {{firstName}}, {{name}}, {{points}}, {{tier}}. Each member gets their own language.",
    control: "Control group (% not sent, to measure the effect)",
    sendAt: "Send at (shop time)",
    sendNow: "Send now",
    schedule: "Schedule",
    draft: "Save draft",
    preview: "Preview",
    inSegment: "members in the segment now",
    sampleFor: "Sample for",
    emptySegment: "The segment is empty: shown for a nameless member with 0 points.",
    status: "Status",
    recipients: "Recipients",
    sent: "Sent",
    created: "Created",
    st: { draft: "Draft", scheduled: "Scheduled", sending: "Sending", done: "Sent", cancelled: "Cancelled" },
    progress: "Progress",
    pending: "Pending",
    failed: "Failed",
    blocked: "Blocked",
    optedOut: "Opted out",
    skippedCap: "Over the frequency cap",
    controlGroup: "Control group",
    kpis: "Results",
    attribution: "Orders within {d} days after the message",
    delivered: "Delivered",
    conversions: "Bought",
    rate: "Conversion rate",
    orders: "Orders",
    revenue: "Revenue",
    aov: "Average order",
    claims: "Offer claims",
    uplift: "Uplift over the control group",
    upliftRate: "Extra conversion rate",
    upliftRelative: "Relative uplift",
    incConversions: "Extra buyers",
    incRevenue: "Extra revenue",
    noControl: "No control group: set a control % when composing to measure uplift.",
    cancel: "Cancel campaign",
    scheduledFor: "Scheduled for",
    started: "Started",
    finished: "Finished",
    createdOk: "Campaign created.",
    sendingOk: "Sending the campaign.",
    cancelledOk: "Campaign cancelled.",
    sendAtNeeded: "pick a time to schedule",
    channel: "Channel",
    channelAuto: "Automatic: the linked chat, else ZNS",
    channelChat: "Chats only (Telegram, Zalo)",
    channelZns: "ZNS only (Zalo template message to the phone)",
    znsTemplate: "ZNS template (for members without a linked chat)",
    noZnsTemplate: "— no ZNS —",
  },
} as const;

export type CampaignForm = Record<string, string>;

const pct = (lang: ConsoleLang, v: number | null, pp = false) =>
  v === null ? "–" : `${v > 0 && pp ? "+" : ""}${fmtNum(lang, Math.round(v * 1000) / 10)}${pp ? " pp" : "%"}`;

export function campaignsPage(
  lang: ConsoleLang,
  d: {
    campaigns: CampaignView[];
    segments: Choice[];
    offers: Choice[];
    znsTemplates: Choice[];
    timezone: string;
  } & FormState<CampaignForm>,
): string {
  const c = CAMPAIGN_COPY[lang];
  const t = CONSOLE_COPY[lang];
  const v = d.values ?? { controlPercent: "10" };
  const segName = new Map(d.segments.map((s) => [s.id, s.name]));
  const e = d.errors;
  return sectionPage(
    { lang, section: "campaigns", title: c.campaigns },
    flash(d.flash),
    tableOr(
      c.none,
      "campaigns",
      [t.name, c.status, c.segment, ...numeric(c.recipients, c.sent), c.created],
      d.campaigns.map((x) => [
        h("a", { href: `/console/campaigns/${encodeURIComponent(x.id)}` }, x.name),
        c.st[x.status],
        segName.get(x.segmentId) ?? x.segmentId,
        fmtNum(lang, x.counts.recipients),
        fmtNum(lang, x.counts.sent),
        fmtDate(lang, x.createdAt, d.timezone),
      ]),
      (i) => ({ "data-campaign": d.campaigns[i]!.name }),
    ),
    h(
      "div",
      { class: "two" },
      formCard(
        lang,
        c.compose,
        { action: "/console/campaigns", id: "new-campaign", errors: e },
        field(t.name, "name", { value: v.name, errors: e, attrs: { required: true, maxlength: 200 } }),
        selectField(
          c.segment,
          "segmentId",
          d.segments.map((s) => ({ value: s.id, label: s.name })),
          v.segmentId,
          e,
        ),
        selectField(
          c.offer,
          "offerId",
          [{ value: "", label: c.noOffer }, ...d.offers.map((o) => ({ value: o.id, label: o.name }))],
          v.offerId,
          e,
        ),
        selectField(
          c.channel,
          "channel",
          options({ auto: c.channelAuto, chat: c.channelChat, zns: c.channelZns }),
          v.channel ?? "auto",
          e,
        ),
        selectField(
          c.znsTemplate,
          "znsTemplateId",
          [{ value: "", label: c.noZnsTemplate }, ...d.znsTemplates.map((z) => ({ value: z.id, label: z.name }))],
          v.znsTemplateId,
          e,
        ),
        textareaField(c.messageVi, "message.vi", v["message.vi"], e, { rows: 4, maxlength: 4000 }),
        textareaField(c.messageEn, "message.en", v["message.en"], e, { rows: 4, maxlength: 4000 }),
        errSpan(e, "message"),
        h("p", { class: "muted" }, c.placeholders),
        field(c.control, "controlPercent", {
          type: "number",
          value: v.controlPercent,
          errors: e,
          attrs: { min: 0, max: 50, step: "0.01" },
        }),
        field(c.sendAt, "sendAt", { type: "datetime-local", value: v.sendAt, errors: e }),
        h(
          "div",
          { class: "row" },
          h("button", { class: "primary", type: "submit", name: "action", value: "send", id: "send-now" }, c.sendNow),
          h("button", { class: "secondary", type: "submit", name: "action", value: "schedule" }, c.schedule),
          h("button", { class: "secondary", type: "submit", name: "action", value: "draft" }, c.draft),
        ),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", null, c.preview),
        h("div", {
          id: "campaign-preview",
          "aria-live": "polite",
          "hx-post": "/console/campaigns/preview",
          "hx-include": "#new-campaign",
          "hx-trigger": "load, input changed delay:400ms from:#new-campaign, change from:#new-campaign",
        }),
      ),
    ),
  );
}

export function previewFragment(lang: ConsoleLang, r: CampaignPreview | { errors: Errors }) {
  const c = CAMPAIGN_COPY[lang];
  if ("errors" in r) return previewErrors(r.errors);
  const m = r.member;
  return h(
    "div",
    null,
    h("p", null, h("strong", { id: "preview-count" }, fmtNum(lang, r.count)), ` ${c.inSegment}`),
    h(
      "p",
      { class: "muted", id: "preview-member" },
      m
        ? `${c.sampleFor} ${m.name ?? m.id} · ${m.language} · ${fmtNum(lang, m.points)} ${lang === "vi" ? "điểm" : "points"}${m.tier ? ` · ${m.tier}` : ""}`
        : c.emptySegment,
    ),
    ...r.texts.map((x) =>
      h(
        "div",
        { class: "bubble", "data-lang": x.lang },
        h("div", { class: "muted" }, x.lang.toUpperCase()),
        h("div", { class: "text" }, x.text),
        ...x.buttons.map((b) => h("div", { class: "chip" }, b)),
      ),
    ),
  );
}

/** The part of a campaign's page that refreshes itself (every 2 s) until the campaign is sent or cancelled. */
export function progressFragment(
  lang: ConsoleLang,
  v: CampaignView,
  k: CampaignKpis | undefined,
  storeId: string | null = null,
) {
  const c = CAMPAIGN_COPY[lang];
  const n = (x: number) => fmtNum(lang, x);
  const live = v.status === "scheduled" || v.status === "sending";
  const settled = v.counts.recipients - v.pending;
  const tenth = v.counts.recipients > 0 ? Math.floor((settled / v.counts.recipients) * 10) * 10 : 0;
  return h(
    "div",
    {
      id: "progress",
      "data-status": v.status,
      ...(live
        ? {
            "hx-get": `/console/campaigns/${encodeURIComponent(v.id)}/progress${storeId ? `?store=${encodeURIComponent(storeId)}` : ""}`,
            "hx-trigger": "every 2s",
            "hx-swap": "outerHTML",
          }
        : {}),
    },
    h("h2", null, `${c.progress}: `, h("span", { id: "status" }, c.st[v.status])),
    h("div", { class: "bar" }, h("span", { class: `p${tenth}` })),
    h(
      "div",
      { class: "kpis", id: "counts" },
      kpi(c.recipients, n(v.counts.recipients), null),
      kpi(c.sent, n(v.counts.sent), null),
      kpi(c.pending, n(v.pending), null),
      kpi(c.controlGroup, n(v.counts.control), null),
      kpi(c.failed, n(v.counts.failed), null),
      kpi(c.blocked, n(v.counts.blocked), null),
      kpi(c.optedOut, n(v.counts.optedOut), null),
      kpi(c.skippedCap, n(v.counts.skippedCap), null),
    ),
    k ? kpiSection(lang, k) : null,
  );
}

function kpiSection(lang: ConsoleLang, k: CampaignKpis) {
  const c = CAMPAIGN_COPY[lang];
  const n = (x: number | null) => fmtNum(lang, x);
  return h(
    "div",
    { id: "kpis" },
    h("h2", null, c.kpis),
    h("p", { class: "muted" }, c.attribution.replace("{d}", String(k.attributionDays))),
    h(
      "div",
      { class: "kpis" },
      kpi(c.delivered, n(k.delivered), null),
      kpi(c.conversions, n(k.conversions), null),
      kpi(c.rate, pct(lang, k.conversionRate), null),
      kpi(c.orders, n(k.orders), null),
      kpi(c.revenue, `${n(k.revenue)} ₫`, null),
      kpi(c.aov, k.aov === null ? "–" : `${n(k.aov)} ₫`, null),
      kpi(c.claims, n(k.claims), null),
    ),
    h("h2", null, c.uplift),
    k.control.members === 0
      ? h("p", { class: "empty" }, c.noControl)
      : h(
          "div",
          { class: "kpis", id: "uplift" },
          kpi(
            `${c.controlGroup}: ${c.rate}`,
            pct(lang, k.control.conversionRate),
            h("div", { class: "d flat" }, `${n(k.control.conversions)} / ${n(k.control.members)}`),
          ),
          kpi(c.upliftRate, pct(lang, k.uplift.conversionRate, true), null),
          kpi(c.upliftRelative, pct(lang, k.uplift.relative), null),
          kpi(c.incConversions, n(k.uplift.incrementalConversions), null),
          kpi(c.incRevenue, k.uplift.incrementalRevenue === null ? "–" : `${n(k.uplift.incrementalRevenue)} ₫`, null),
        ),
  );
}

export function campaignPage(
  lang: ConsoleLang,
  d: {
    view: CampaignView;
    kpis: CampaignKpis | undefined;
    segmentName: string;
    offerName: string | null;
    timezone: string;
    flash?: { text: string; bad?: boolean };
    /** The KPIs' store (`?store=`) and its filter form (null: no stores, or no KPIs yet). */
    storeId?: string | null;
    storeFilter?: ReturnType<typeof h> | null;
  },
): string {
  const c = CAMPAIGN_COPY[lang];
  const v = d.view;
  const when = (label: string, iso: string | null) =>
    iso ? h("p", null, `${label}: `, fmtDate(lang, iso, d.timezone)) : null;
  const open = v.status === "draft" || v.status === "scheduled";
  const act = (path: string, label: string, cls: string, id: string) =>
    h(
      "form",
      { method: "post", action: `/console/campaigns/${encodeURIComponent(v.id)}/${path}` },
      h("button", { class: cls, type: "submit", id }, label),
    );
  return page(
    { lang, title: v.name, section: "campaigns", signedIn: true, back: `/console/campaigns/${v.id}` },
    h("p", null, h("a", { href: "/console/campaigns" }, `← ${c.campaigns}`)),
    h("h1", null, v.name),
    d.flash ? flash(d.flash.text, d.flash.bad) : null,
    h(
      "div",
      { class: "card" },
      h("p", null, `${c.segment}: `, h("strong", null, d.segmentName)),
      h("p", null, `${c.offer}: `, d.offerName ?? v.offerId ?? c.noOffer),
      h("p", null, `${c.controlGroup}: ${fmtNum(lang, v.controlPercent)}%`),
      when(c.scheduledFor, v.sendAt),
      when(c.started, v.startedAt),
      when(c.finished, v.finishedAt),
      ...(["vi", "en"] as const).map((l) =>
        v.message[l]
          ? h(
              "div",
              { class: "bubble", "data-lang": l },
              h("div", { class: "muted" }, l.toUpperCase()),
              h("div", { class: "text" }, v.message[l]),
            )
          : null,
      ),
      open
        ? h(
            "div",
            { class: "row" },
            act("send", c.sendNow, "primary", "send"),
            act("cancel", c.cancel, "secondary", "cancel"),
          )
        : null,
    ),
    d.storeFilter ?? null,
    progressFragment(lang, v, d.kpis, d.storeId ?? null),
  );
}
