/**
 * The catalog page: products with list price, category, margin and state; set one product (PUT /v1/products/{sku}
 * semantics) and import a CSV (POST /v1/products/import semantics: all or nothing, every bad cell listed with its
 * line number in place).
 */
import type { ProductViewT } from "../catalog/service.ts";
import { CONSOLE_COPY, type ConsoleLang } from "./copy.ts";
import { formCard, type FormState, numeric, tableOr } from "./kit.ts";
import { field, flash, fmtNum, h, sectionPage } from "./views.ts";

export const CATALOG_COPY = {
  vi: {
    catalog: "Sản phẩm",
    none: "Chưa có sản phẩm. Nhập tệp CSV hoặc thêm từng sản phẩm bên dưới; đơn hàng cũng tự thêm mã sản phẩm mới.",
    sku: "Mã (SKU)",
    category: "Danh mục",
    listPrice: "Giá niêm yết (₫)",
    lastSeen: "Giá trên đơn gần nhất",
    margin: "Biên lợi nhuận (%)",
    state: "Trạng thái",
    active: "Đang bán",
    retired: "Ngừng bán",
    source: "Nguồn",
    edit: "Sửa",
    setProduct: "Thêm / sửa sản phẩm",
    activeBox: "Đang bán (bỏ chọn để không bao giờ đề xuất sản phẩm này)",
    saved: "Đã lưu sản phẩm.",
    import: "Nhập từ CSV",
    importHint:
      "Dòng tiêu đề: sku,name,list_price (bắt buộc); category, margin (0–100), active (true/false) không bắt buộc. Tất cả hoặc không: một dòng lỗi thì không dòng nào được nhập.",
    file: "Tệp CSV",
    upload: "Nhập",
    imported: "Đã nhập {n} sản phẩm.",
    importFailed: "Không nhập gì: sửa các dòng sau rồi nhập lại.",
    next: "Trang sau →",
    noFile: "chọn một tệp CSV",
  },
  en: {
    catalog: "Catalog",
    none: "No products yet. Import a CSV or add products one by one below; orders also add new SKUs by themselves.",
    sku: "SKU",
    category: "Category",
    listPrice: "List price (₫)",
    lastSeen: "Price on the last order",
    margin: "Margin (%)",
    state: "State",
    active: "Active",
    retired: "Retired",
    source: "Source",
    edit: "Edit",
    setProduct: "Add / edit a product",
    activeBox: "Active (untick to never offer this product)",
    saved: "Product saved.",
    import: "Import a CSV",
    importHint:
      "Header row: sku,name,list_price required; category, margin (0–100), active (true/false) optional. All or nothing: one bad row and nothing is imported.",
    file: "CSV file",
    upload: "Import",
    imported: "{n} products imported.",
    importFailed: "Nothing imported: fix these lines and import again.",
    next: "Next page →",
    noFile: "choose a CSV file",
  },
} as const;

export function catalogPage(
  lang: ConsoleLang,
  d: { items: ProductViewT[]; next: string | null; importErrors?: { path: string; message: string }[] } & FormState,
): string {
  const k = CATALOG_COPY[lang];
  const t = CONSOLE_COPY[lang];
  const v = d.values ?? { active: "on" };
  return sectionPage(
    { lang, section: "catalog", title: k.catalog },
    flash(d.flash),
    tableOr(
      k.none,
      "products",
      [k.sku, t.name, k.category, ...numeric(k.listPrice, k.lastSeen, k.margin), k.state, ""],
      d.items.map((p) => [
        p.sku,
        p.name ?? "",
        p.category ?? "",
        fmtNum(lang, p.listPrice),
        fmtNum(lang, p.lastSeenPrice),
        p.margin === null ? "–" : `${p.margin}%`,
        p.active ? k.active : k.retired,
        h("a", { href: `/console/catalog?sku=${encodeURIComponent(p.sku)}#product` }, k.edit),
      ]),
      (i) => ({ "data-sku": d.items[i]!.sku }),
    ),
    d.next ? h("p", null, h("a", { href: `/console/catalog?after=${encodeURIComponent(d.next)}` }, k.next)) : null,
    h(
      "div",
      { class: "two" },
      formCard(
        lang,
        k.setProduct,
        { action: "/console/catalog/product", id: "product", errors: d.errors },
        field(k.sku, "sku", { value: v.sku, errors: d.errors, attrs: { required: true, maxlength: 100 } }),
        field(t.name, "name", { value: v.name, errors: d.errors, attrs: { required: true, maxlength: 200 } }),
        field(k.category, "category", { value: v.category, errors: d.errors, attrs: { maxlength: 100 } }),
        field(k.listPrice, "listPrice", { type: "number", value: v.listPrice, errors: d.errors, attrs: { min: 0 } }),
        field(k.margin, "margin", { type: "number", value: v.margin, errors: d.errors, attrs: { min: 0, max: 100 } }),
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: "active", ...(v.active === "on" ? { checked: true } : {}) }),
          k.activeBox,
        ),
        h("button", { class: "primary", type: "submit" }, t.save),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", null, k.import),
        h("p", { class: "muted" }, k.importHint),
        d.importErrors
          ? h(
              "div",
              { id: "import-errors", role: "alert" },
              flash(k.importFailed, true),
              h("ul", { class: "errs" }, ...d.importErrors.map((e) => h("li", { "data-path": e.path }, e.message))),
            )
          : null,
        h(
          "form",
          {
            class: "stack",
            method: "post",
            action: "/console/catalog/import",
            enctype: "multipart/form-data",
            id: "import",
          },
          h("label", null, k.file, h("input", { type: "file", name: "csv", accept: ".csv,text/csv", required: true })),
          h("button", { class: "primary", type: "submit" }, k.upload),
        ),
      ),
    ),
  );
}
