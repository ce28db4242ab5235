/** Readable reasons for a recommendation, in Vietnamese and English. Pure. */
import type { Reason } from "./recommender.ts";

export type ReasonLang = "vi" | "en";

/** `name` turns an item (SKU) into what the reader sees; default: the item itself. */
export function reasonText(reason: Reason, lang: ReasonLang, name: (item: string) => string = (x) => x): string {
  const b = name(reason.item);
  const list = (items: string[]): string => {
    const names = items.map(name);
    if (names.length <= 1) return names[0] ?? "";
    const and = lang === "vi" ? " và " : " and ";
    return names.slice(0, -1).join(", ") + and + names[names.length - 1]!;
  };
  switch (reason.kind) {
    case "co-purchase": {
      const a = list(reason.because ?? []);
      return lang === "vi" ? `Khách mua ${a} thường mua thêm ${b}` : `Customers who buy ${a} often add ${b}`;
    }
    case "habit":
      return lang === "vi" ? `Bạn hay mua ${b}` : `You often buy ${b}`;
    case "lapsed":
      return lang === "vi" ? `Bạn hay mua ${b} nhưng lâu rồi chưa mua lại` : `You often bought ${b} but not lately`;
    case "popular":
      return lang === "vi" ? `${b} đang bán chạy` : `${b} is a best seller`;
  }
}
