/**
 * The program page's second half: promotions (bonus events), cashback, birthday bonus, subscription plans and
 * product multipliers — form fields in, the candidate program's parts out (validated with the rest by ProgramSchema,
 * errors by path such as "promotions.0.endsAt" or "subscriptionPlans.1.id"). Promotion times are typed in the
 * merchant's time zone (datetime-local) and stored as ISO.
 */
import type { Program } from "../program/config.ts";
import type { ConsoleLang } from "./copy.ts";
import { card, type Errors, errSpan, hint, isoToLocal, localToIso, textareaField } from "./kit.ts";
import { field, h } from "./views.ts";

type Form = Record<string, string>;

/** A form number: "" → undefined, a numeric string → number, anything else stays a string (zod says why). */
export const formNum = (v: unknown): unknown => {
  if (typeof v !== "string") return v;
  const s = v.trim();
  if (s === "") return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
};

/** "key = value" lines → a record of numbers; a malformed line is an error at `name`. */
export function parsePairs(text: string | undefined, name: string, lineErrors: Errors): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  (text ?? "").split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^\s*([^=]+?)\s*=\s*(.+?)\s*$/.exec(line);
    if (!m)
      lineErrors[name] = `line ${i + 1}: write ${name === "productMultipliers" ? "sku" : "category"} = multiplier`;
    else out[m[1]!] = formNum(m[2]!);
  });
  return out;
}

const list = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** Rows `prefix.N.*` present in the form (a row whose first field is empty is dropped: how a row is removed). */
function rowsOf(form: Form, prefix: string, first: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < 60 && form[`${prefix}.${i}.${first}`] !== undefined; i++)
    if (form[`${prefix}.${i}.${first}`]!.trim() !== "") out.push(i);
  return out;
}

export function extrasFromForm(current: Program, form: Form, timeZone: string, lineErrors: Errors) {
  const when = (v: string | undefined) => localToIso(v ?? "", timeZone) ?? v ?? "";
  const promotions = rowsOf(form, "promotions", "name").map((i) => {
    const p = (k: string) => form[`promotions.${i}.${k}`];
    const categories = list(p("categories"));
    const channels = list(p("channels"));
    return {
      name: p("name"),
      multiplier: formNum(p("multiplier") ?? ""),
      startsAt: when(p("startsAt")),
      endsAt: when(p("endsAt")),
      ...(categories.length ? { categories } : {}),
      ...(channels.length ? { channels } : {}),
    };
  });
  const subscriptionPlans = rowsOf(form, "subscriptionPlans", "id").map((i) => {
    const p = (k: string) => form[`subscriptionPlans.${i}.${k}`] ?? "";
    // Perks have no field here: a plan keeps its own (matched by id).
    const perks = current.subscriptionPlans.find((s) => s.id === p("id").trim())?.perks;
    return {
      id: p("id").trim(),
      name: p("name"),
      price: formNum(p("price")),
      periodDays: formNum(p("periodDays")),
      multiplier: formNum(p("multiplier")) ?? 1,
      ...(perks ? { perks } : {}),
    };
  });
  const rate = formNum(form["cashback.rate"] ?? "");
  const discounted = formNum(form["cashback.discountedRate"] ?? "");
  const bday = formNum(form["birthdayBonus.multiplier"] ?? "");
  // A part whose fields are not in the form at all (an older page, a hand-made post) is kept as it is.
  const has = (k: string) => form[k] !== undefined;
  return {
    ...(has("promotions.0.name") ? { promotions } : {}),
    ...(has("subscriptionPlans.0.id") ? { subscriptionPlans } : {}),
    ...(has("productMultipliers")
      ? { productMultipliers: parsePairs(form.productMultipliers, "productMultipliers", lineErrors) }
      : {}),
    ...(has("cashback.rate")
      ? {
          cashback:
            rate === undefined ? null : { rate, ...(discounted !== undefined ? { discountedRate: discounted } : {}) },
        }
      : {}),
    ...(has("birthdayBonus.multiplier")
      ? {
          birthdayBonus:
            bday === undefined
              ? null
              : { multiplier: bday, windowDays: formNum(form["birthdayBonus.windowDays"] ?? "") ?? 7 },
        }
      : {}),
  };
}

export function extrasValues(p: Program, timeZone: string): Form {
  const v: Form = {
    productMultipliers: Object.entries(p.productMultipliers)
      .map(([k, m]) => `${k} = ${m}`)
      .join("\n"),
    "cashback.rate": p.cashback ? String(p.cashback.rate) : "",
    "cashback.discountedRate": p.cashback?.discountedRate !== undefined ? String(p.cashback.discountedRate) : "",
    "birthdayBonus.multiplier": p.birthdayBonus ? String(p.birthdayBonus.multiplier) : "",
    "birthdayBonus.windowDays": p.birthdayBonus ? String(p.birthdayBonus.windowDays) : "",
  };
  p.promotions.forEach((x, i) => {
    v[`promotions.${i}.name`] = x.name;
    v[`promotions.${i}.multiplier`] = String(x.multiplier);
    v[`promotions.${i}.startsAt`] = isoToLocal(x.startsAt, timeZone);
    v[`promotions.${i}.endsAt`] = isoToLocal(x.endsAt, timeZone);
    v[`promotions.${i}.categories`] = (x.categories ?? []).join(", ");
    v[`promotions.${i}.channels`] = (x.channels ?? []).join(", ");
  });
  p.subscriptionPlans.forEach((x, i) => {
    v[`subscriptionPlans.${i}.id`] = x.id;
    v[`subscriptionPlans.${i}.name`] = x.name;
    v[`subscriptionPlans.${i}.price`] = String(x.price);
    v[`subscriptionPlans.${i}.periodDays`] = String(x.periodDays);
    v[`subscriptionPlans.${i}.multiplier`] = String(x.multiplier);
  });
  return v;
}

/** Error paths these fields show in place (the rest are listed at the top of the page). */
export const EXTRA_FIELDS =
  /^(productMultipliers|cashback(\.(rate|discountedRate))?|birthdayBonus(\.(multiplier|windowDays))?|promotions\.\d+\.(name|multiplier|startsAt|endsAt|categories|channels)|subscriptionPlans\.\d+\.(id|name|price|periodDays|multiplier))$/;

export const EXTRAS_COPY = {
  vi: {
    promotions: "Khuyến mãi nhân điểm (sự kiện thưởng)",
    promotionsHint:
      "Xóa tên để bỏ; điền dòng trống để thêm. Giờ theo múi giờ của cửa hàng. Danh mục/kênh: cách nhau bằng dấu phẩy, để trống = tất cả.",
    name: "Tên",
    multiplier: "Hệ số nhân",
    startsAt: "Bắt đầu",
    endsAt: "Kết thúc",
    categories: "Danh mục",
    channels: "Kênh (pos, online…)",
    cashback: "Hoàn tiền (tín dụng cửa hàng)",
    cashbackHint: "Tỉ lệ từ 0 đến 1 (0.02 = 2%); để trống = không hoàn tiền.",
    rate: "Tỉ lệ trên hàng nguyên giá",
    discountedRate: "Tỉ lệ trên hàng giảm giá",
    birthday: "Thưởng sinh nhật",
    birthdayHint: "Hệ số nhân trong tuần sinh nhật; để trống = không có.",
    windowDays: "Số ngày quanh sinh nhật",
    plans: "Gói hội viên trả phí",
    plansHint: "Xóa mã gói để bỏ; điền dòng trống để thêm.",
    planId: "Mã gói",
    price: "Giá (₫)",
    periodDays: "Thời hạn (ngày)",
    products: "Hệ số theo sản phẩm",
    productsHint: "Mỗi dòng: mã_sản_phẩm = hệ số (ưu tiên hơn hệ số danh mục).",
  },
  en: {
    promotions: "Points promotions (bonus events)",
    promotionsHint:
      "Clear a name to remove; fill in the blank row to add. Times are in the shop's time zone. Categories/channels: comma-separated, empty = all.",
    name: "Name",
    multiplier: "Multiplier",
    startsAt: "Starts",
    endsAt: "Ends",
    categories: "Categories",
    channels: "Channels (pos, online…)",
    cashback: "Cashback (store credit)",
    cashbackHint: "A rate from 0 to 1 (0.02 = 2%); empty = no cashback.",
    rate: "Rate on full-price lines",
    discountedRate: "Rate on discounted lines",
    birthday: "Birthday bonus",
    birthdayHint: "Multiplier in the birthday week; empty = none.",
    windowDays: "Days around the birthday",
    plans: "Paid membership plans",
    plansHint: "Clear a plan id to remove it; fill in the blank row to add one.",
    planId: "Plan id",
    price: "Price (₫)",
    periodDays: "Period (days)",
    products: "Product multipliers",
    productsHint: "One per line: sku = multiplier (wins over the category's).",
  },
} as const;

const count = (v: Form, re: RegExp) => Object.keys(v).filter((k) => re.test(k)).length;

/** A field of a repeated row or a group: its label, its key under the list or group, its input type and attributes. */
type Col = [label: string, key: string, type?: string, attrs?: object];

export function extrasSection(lang: ConsoleLang, v: Form, errors: Errors | undefined) {
  const x = EXTRAS_COPY[lang];
  const f = (label: string, name: string, type = "text", attrs: object = {}) =>
    field(label, name, { type, value: v[name], errors, attrs });
  const dec = { inputmode: "decimal" };
  /** A card of rows `${list}.${i}.…`: one per entry filled in (by its first field), and an empty one to add. */
  const rows = (id: string, title: string, text: string, list: string, rowClass: string, cols: Col[]) => {
    const filled = count(v, new RegExp(`^${list}\\.\\d+\\.${cols[0]![1]}$`));
    return card(
      { title, id },
      hint(text),
      ...[...Array(filled + 1).keys()].map((i) =>
        h(
          "div",
          { class: `row ${rowClass}` },
          ...cols.map(([l, k, type, attrs]) => f(l, `${list}.${i}.${k}`, type, attrs)),
        ),
      ),
    );
  };
  /** Half a card: one object's fields `${group}.…` in a row, and the object's own error under them. */
  const group = (id: string, title: string, text: string, name: string, cols: Col[]) =>
    h(
      "div",
      { id },
      h("h2", null, title),
      hint(text),
      h("div", { class: "row" }, ...cols.map(([l, k, type, attrs]) => f(l, `${name}.${k}`, type, attrs))),
      errSpan(errors, name),
    );
  return [
    rows("promotions", x.promotions, x.promotionsHint, "promotions", "promo", [
      [x.name, "name"],
      [x.multiplier, "multiplier", "text", dec],
      [x.startsAt, "startsAt", "datetime-local"],
      [x.endsAt, "endsAt", "datetime-local"],
      [x.categories, "categories"],
      [x.channels, "channels"],
    ]),
    h(
      "div",
      { class: "card two" },
      group("cashback", x.cashback, x.cashbackHint, "cashback", [
        [x.rate, "rate", "text", dec],
        [x.discountedRate, "discountedRate", "text", dec],
      ]),
      group("birthday", x.birthday, x.birthdayHint, "birthdayBonus", [
        [x.multiplier, "multiplier", "text", dec],
        [x.windowDays, "windowDays", "number"],
      ]),
    ),
    rows("plans", x.plans, x.plansHint, "subscriptionPlans", "plan", [
      [x.planId, "id"],
      [x.name, "name"],
      [x.price, "price", "number"],
      [x.periodDays, "periodDays", "number"],
      [x.multiplier, "multiplier", "text", dec],
    ]),
    card(x.products, textareaField(x.productsHint, "productMultipliers", v.productMultipliers, errors, { rows: 4 })),
  ];
}
