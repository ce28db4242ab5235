/**
 * The console's shop connections: a form to connect Shopify, Haravan, Sapo, KiotViet or Nhanh.vn, the webhook URL
 * (and secret) to paste into the platform, a "send test event" button per connection, and each one's delivery log.
 * Over the same services as /v1/integrations (src/integrations/service.ts).
 */
import type { DeliveryView, IntegrationView } from "../../integrations/service.ts";
import type { ConsoleLang } from "../copy.ts";
import { formCard, options, selectField, table } from "../kit.ts";
import { field, flash, fmtDate, h, page, sectionPage } from "../views.ts";

export const INTEGRATION_COPY = {
  vi: {
    title: "Kết nối cửa hàng",
    intro:
      "Kết nối hệ thống bán hàng: đơn hàng, hủy đơn và hoàn tiền sẽ tự cộng/trừ điểm. Dán địa chỉ webhook và mã bí mật vào nền tảng.",
    platform: "Nền tảng",
    name: "Tên",
    shop: "Cửa hàng (tên miền hoặc mã; bắt buộc cho kết nối thứ hai cùng nền tảng)",
    secret: "Mã bí mật webhook",
    secretHint:
      "Shopify: dán mã ký (signing secret) Shopify hiển thị. Haravan, Sapo: mã bí mật của ứng dụng. KiotViet, Nhanh.vn: dùng mã này khi đăng ký webhook.",
    enrol: "Tự đăng ký thành viên cho khách mới có số điện thoại",
    kiotviet: "KiotViet API (để lấy số điện thoại khách và phiếu trả hàng)",
    clientId: "Client ID",
    clientSecret: "Client secret",
    retailer: "Tên cửa hàng (Retailer)",
    connect: "Kết nối",
    connected: "Đã kết nối. Dán địa chỉ và mã bí mật này vào nền tảng (mã chỉ hiện một lần):",
    webhookUrl: "Địa chỉ webhook",
    test: "Gửi sự kiện thử",
    tested: "Sự kiện thử",
    testOk: "đã nhận, chữ ký đúng: kết nối hoạt động (sự kiện thử không tạo đơn hàng)",
    testBad: "chữ ký không khớp: kiểm tra mã bí mật",
    deliveries: "Nhật ký nhận",
    none: "Chưa có kết nối.",
    noDeliveries: "Chưa nhận gì.",
    time: "Thời gian",
    topic: "Chủ đề",
    object: "Đối tượng",
    outcome: "Kết quả",
    reason: "Lý do",
    order: "Đơn hàng",
  },
  en: {
    title: "Shop connections",
    intro:
      "Connect your shop system: orders, cancellations and refunds then earn and reverse points by themselves. Paste the webhook URL and secret into the platform.",
    platform: "Platform",
    name: "Name",
    shop: "Shop (domain or code; required for a second connection of one platform)",
    secret: "Webhook secret",
    secretHint:
      "Shopify: paste the signing secret Shopify shows. Haravan, Sapo: your app's secret. KiotViet, Nhanh.vn: use this value when registering the webhook.",
    enrol: "Enrol new customers who have a phone number",
    kiotviet: "KiotViet API (to read customers' phones and returns)",
    clientId: "Client ID",
    clientSecret: "Client secret",
    retailer: "Retailer (shop name)",
    connect: "Connect",
    connected: "Connected. Paste this URL and secret into the platform (the secret is shown once):",
    webhookUrl: "Webhook URL",
    test: "Send test event",
    tested: "Test event",
    testOk: "received with a valid signature: the connection works (a test event creates no order)",
    testBad: "the signature did not match: check the secret",
    deliveries: "Delivery log",
    none: "No connections yet.",
    noDeliveries: "Nothing received yet.",
    time: "Time",
    topic: "Topic",
    object: "Object",
    outcome: "Outcome",
    reason: "Reason",
    order: "Order",
  },
} as const;

const PLATFORM_NAMES: Record<string, string> = {
  shopify: "Shopify",
  haravan: "Haravan",
  sapo: "Sapo",
  kiotviet: "KiotViet",
  nhanh: "Nhanh.vn",
};

export interface IntegrationsPageState {
  errors?: Record<string, string>;
  values?: Record<string, string>;
  /** Just created: its URL and the secret, shown once. */
  created?: { webhookUrl: string; secret: string };
  tested?: string;
  suggestedSecret: string;
  /** The console's origin (e.g. https://shop.example), to show absolute webhook URLs without PUBLIC_URL. */
  origin?: string;
}

/** The URL to paste: relative URLs (no PUBLIC_URL configured) are completed with the console's own origin. */
const absolute = (url: string, origin: string | undefined) => (url.startsWith("/") && origin ? origin + url : url);

export function integrationsPage(lang: ConsoleLang, list: IntegrationView[], st: IntegrationsPageState): string {
  const s = INTEGRATION_COPY[lang];
  const v = st.values ?? {};
  return sectionPage(
    { lang, section: "integrations", title: s.title },
    h("p", { class: "muted" }, s.intro),
    st.created
      ? h(
          "div",
          { class: "flash", role: "status", id: "connected" },
          s.connected,
          h("div", null, `${s.webhookUrl}: `, h("code", { id: "new-url" }, absolute(st.created.webhookUrl, st.origin))),
          h("div", null, `${s.secret}: `, h("code", { id: "new-secret" }, st.created.secret)),
        )
      : null,
    st.tested
      ? flash(
          `${s.tested}: ${st.tested === "rejected-signature" ? s.testBad : st.tested === "failed" ? st.tested : s.testOk}`,
        )
      : null,
    list.length === 0
      ? h("p", null, s.none)
      : table(
          "integrations",
          [s.platform, s.name, s.webhookUrl, ""],
          list.map((i) => [
            PLATFORM_NAMES[i.platform] ?? i.platform,
            [i.name ?? "", i.shop ? h("div", { class: "muted" }, i.shop) : null],
            h("code", null, absolute(i.webhookUrl, st.origin)),
            [
              h(
                "form",
                { method: "post", action: `/console/integrations/${encodeURIComponent(i.id)}/test` },
                h("button", { type: "submit" }, s.test),
              ),
              h("a", { href: `/console/integrations/${encodeURIComponent(i.id)}` }, s.deliveries),
            ],
          ]),
          (n) => ({ "data-integration": list[n]!.id }),
        ),
    formCard(
      lang,
      s.connect,
      { action: "/console/integrations", id: "new-integration", errors: st.errors },
      selectField(s.platform, "platform", options(PLATFORM_NAMES), v.platform),
      field(s.name, "name", { value: v.name, errors: st.errors, attrs: { maxlength: 200 } }),
      field(s.shop, "shop", { value: v.shop, errors: st.errors, attrs: { maxlength: 100 } }),
      field(s.secret, "secret", {
        value: v.secret ?? st.suggestedSecret,
        errors: st.errors,
        attrs: { required: true, minlength: 8, maxlength: 500, autocomplete: "off" },
      }),
      h("p", { class: "muted" }, s.secretHint),
      h(
        "label",
        null,
        h("input", { type: "checkbox", name: "enrol", value: "1", ...(v.enrol === "0" ? {} : { checked: true }) }),
        ` ${s.enrol}`,
      ),
      h("h3", null, s.kiotviet),
      field(s.clientId, "clientId", { value: v.clientId, errors: st.errors }),
      field(s.clientSecret, "clientSecret", {
        value: v.clientSecret,
        errors: st.errors,
        attrs: { autocomplete: "off" },
      }),
      field(s.retailer, "retailer", { value: v.retailer, errors: st.errors }),
      h("button", { class: "primary", type: "submit" }, s.connect),
    ),
  );
}

export function deliveriesPage(
  lang: ConsoleLang,
  integration: IntegrationView,
  list: DeliveryView[],
  timeZone: string,
  origin?: string,
): string {
  const s = INTEGRATION_COPY[lang];
  const title = `${s.deliveries} · ${PLATFORM_NAMES[integration.platform] ?? integration.platform}`;
  return page(
    { lang, title, section: "integrations", signedIn: true, back: `/console/integrations/${integration.id}` },
    h("h1", null, title),
    h("p", null, `${s.webhookUrl}: `, h("code", null, absolute(integration.webhookUrl, origin))),
    list.length === 0
      ? h("p", null, s.noDeliveries)
      : table(
          "deliveries",
          [s.time, s.topic, s.object, s.outcome, s.reason, s.order],
          list.map((d) => [
            fmtDate(lang, d.receivedAt, timeZone),
            d.topic ?? "",
            d.objectId ?? "",
            d.outcome,
            d.reason ?? "",
            d.externalId ?? "",
          ]),
          (n) => ({ "data-outcome": list[n]!.outcome }),
        ),
  );
}
