/**
 * The stores page: the merchant's stores (branches, POS terminals) with their code, an add form (POST /v1/stores
 * semantics) and archive buttons (DELETE /v1/stores/{id} semantics); archived stores are listed apart.
 */
import type { StoreView } from "../stores/schemas.ts";
import type { ConsoleLang } from "./copy.ts";
import { type FormState, table } from "./kit.ts";
import { field, flash, fmtDate, h, sectionPage } from "./views.ts";

export const STORES_COPY = {
  vi: {
    stores: "Cửa hàng",
    intro:
      "Các chi nhánh / máy POS của bạn. Đơn hàng gửi storeId (hoặc cột store = mã cửa hàng khi nhập CSV; mã chi nhánh của Sapo, Shopify, KiotViet khi trùng mã) để lọc phân khúc, báo cáo và ưu đãi theo cửa hàng.",
    none: "Chưa có cửa hàng nào.",
    code: "Mã",
    name: "Tên",
    address: "Địa chỉ",
    created: "Ngày tạo",
    archivedAt: "Ngừng hoạt động",
    add: "Thêm cửa hàng",
    addButton: "Thêm",
    archive: "Ngừng hoạt động",
    archived: "Cửa hàng đã ngừng",
    added: "Đã thêm cửa hàng.",
    archivedFlash: "Cửa hàng đã ngừng hoạt động: không nhận đơn mới, đơn cũ vẫn giữ.",
    invalid: "Vui lòng sửa các ô được đánh dấu.",
    allStores: "— tất cả cửa hàng —",
    store: "Cửa hàng",
    filter: "Lọc",
  },
  en: {
    stores: "Stores",
    intro:
      "Your branches / POS terminals. Orders carry a storeId (or, in a CSV import, a store column with the store's code; Sapo, Shopify and KiotViet location ids when they match a code) so segments, reports and offers can be limited by store.",
    none: "No stores yet.",
    code: "Code",
    name: "Name",
    address: "Address",
    created: "Created",
    archivedAt: "Archived",
    add: "Add a store",
    addButton: "Add",
    archive: "Archive",
    archived: "Archived stores",
    added: "Store added.",
    archivedFlash: "Store archived: it takes no new orders; its past orders keep it.",
    invalid: "Please fix the marked fields.",
    allStores: "— all stores —",
    store: "Store",
    filter: "Filter",
  },
} as const;

export interface StoresPageData extends FormState {
  stores: StoreView[];
  timezone: string;
}

export function storesPage(lang: ConsoleLang, d: StoresPageData): string {
  const t = STORES_COPY[lang];
  const open = d.stores.filter((s) => !s.archived);
  const archived = d.stores.filter((s) => s.archived);
  const v = d.values ?? {};
  return sectionPage(
    { lang, section: "stores", title: t.stores },
    h("p", { class: "muted" }, t.intro),
    flash(d.flash),
    d.errors ? flash(d.errors.form ?? t.invalid, true) : null,
    open.length === 0
      ? h("p", { class: "empty", id: "no-stores" }, t.none)
      : table(
          "stores",
          [t.code, t.name, t.address, t.created, ""],
          open.map((s) => [
            h("code", null, s.code),
            s.name,
            s.address ?? "",
            fmtDate(lang, s.createdAt, d.timezone),
            h(
              "form",
              { method: "post", action: `/console/stores/${encodeURIComponent(s.id)}/archive` },
              h("button", { type: "submit", class: "archive", "data-code": s.code }, t.archive),
            ),
          ]),
        ),
    h(
      "form",
      { method: "post", action: "/console/stores", id: "add-store", class: "card" },
      h("h2", null, t.add),
      h(
        "div",
        { class: "row" },
        field(t.code, "code", { value: v.code, errors: d.errors, attrs: { required: true, maxlength: 64 } }),
        field(t.name, "name", { value: v.name, errors: d.errors, attrs: { required: true, maxlength: 200 } }),
        field(t.address, "address", { value: v.address, errors: d.errors, attrs: { maxlength: 500 } }),
      ),
      h("button", { class: "primary", type: "submit", id: "add-store-button" }, t.addButton),
    ),
    archived.length === 0
      ? null
      : [
          h("h2", null, t.archived),
          table(
            "archived-stores",
            [t.code, t.name, t.archivedAt],
            archived.map((s) => [
              h("code", null, s.code),
              s.name,
              fmtDate(lang, s.archivedAt ?? s.createdAt, d.timezone),
            ]),
          ),
        ],
  );
}

/** A page's store filter (overview, a campaign's KPIs): a GET form over `?store=`, shown once the merchant has stores. */
export function storeFilter(lang: ConsoleLang, stores: StoreView[], storeId: string | null, action = "/console") {
  if (stores.length === 0) return null;
  return h(
    "form",
    { class: "row", method: "get", action, id: "store-filter" },
    storeSelect(lang, stores, storeId),
    h("button", { type: "submit" }, STORES_COPY[lang].filter),
  );
}

/** The labelled `store` select of a GET form: every store, archived ones marked, or none (null without stores). */
export function storeSelect(lang: ConsoleLang, stores: StoreView[], storeId: string | null) {
  if (stores.length === 0) return null;
  const t = STORES_COPY[lang];
  return h(
    "label",
    null,
    t.store,
    h(
      "select",
      { name: "store" },
      h("option", { value: "" }, t.allStores),
      ...stores.map((s) =>
        h(
          "option",
          { value: s.id, ...(s.id === storeId ? { selected: true } : {}) },
          `${s.name} (${s.code})${s.archived ? " ✕" : ""}`,
        ),
      ),
    ),
  );
}
