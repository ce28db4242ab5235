/**
 * Offer text from deterministic templates (pure): vi (default) and en, with locale formatting — VND `125.000 ₫`
 * in vi, `125,000 ₫` in en; dates in the merchant's time zone. The facts stay structured (they are stored with
 * the offer) so another layer can phrase them differently (e.g. an LLM) and fall back to these templates.
 */
import { formatDateTime, formatMoney, formatPoints, type Lang } from "../messages/render.ts";
import type { OfferFacts } from "./tables.ts";

export type { Lang, OfferFacts };

const nameOf = (f: { productName?: string | null | undefined; sku?: string | null | undefined }) =>
  f.productName || f.sku || "";

function itemNames(f: OfferFacts): string {
  return (f.items ?? []).map((i) => i.name || i.sku).join(" + ");
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** "Hoa ơi, …" / "Hoa, …", or the sentence capitalised when there is no name. */
function greet(f: OfferFacts, lang: Lang, rest: string): string {
  const name = f.firstName?.trim();
  if (!name) return capitalize(rest);
  return lang === "vi" ? `${name} ơi, ${rest}` : `${name}, ${rest}`;
}

/** "26.100 ₫ (thay vì 29.000 ₫)" / "26,100 ₫ (instead of 29,000 ₫)"; the price alone without a discount. */
function priceClause(f: OfferFacts, lang: Lang): string | undefined {
  const money = (n: number) => formatMoney(n, f.currency, lang);
  if (f.memberPrice != null && f.price != null && f.memberPrice < f.price) {
    return lang === "vi"
      ? `giá thành viên ${money(f.memberPrice)} (thay vì ${money(f.price)})`
      : `member price ${money(f.memberPrice)} (instead of ${money(f.price)})`;
  }
  if (f.memberPrice != null)
    return lang === "vi" ? `giá thành viên ${money(f.memberPrice)}` : `member price ${money(f.memberPrice)}`;
  if (f.price != null) return lang === "vi" ? `giá ${money(f.price)}` : `${money(f.price)}`;
  return undefined;
}

function bonusClause(f: OfferFacts, lang: Lang): string | undefined {
  if (!f.bonusPoints || f.bonusPoints <= 0) return undefined;
  const p = formatPoints(f.bonusPoints, lang);
  return lang === "vi" ? `tặng thêm ${p} điểm` : `${p} bonus points`;
}

/** "giá … , tặng thêm 5 điểm" / "member price … plus 5 bonus points". */
function dealClause(f: OfferFacts, lang: Lang): string {
  const price = priceClause(f, lang);
  const bonus = bonusClause(f, lang);
  if (price && bonus) return lang === "vi" ? `${price}, ${bonus}` : `${price} plus ${bonus}`;
  return price ?? bonus ?? "";
}

function expiryClause(f: OfferFacts, lang: Lang): string {
  if (!f.expiresAt) return "";
  const d = f.expiresAt instanceof Date ? f.expiresAt : new Date(f.expiresAt);
  if (Number.isNaN(d.getTime())) return "";
  const when = formatDateTime(d, lang, f.timeZone);
  return lang === "vi" ? ` Hạn đến ${when}.` : ` Valid until ${when}.`;
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function body(f: OfferFacts, lang: Lang): string {
  const deal = dealClause(f, lang);
  const withDeal = (s: string) => (deal ? `${s}: ${deal}` : s);
  const vi = lang === "vi";
  switch (f.kind) {
    case "cross-sell": {
      const name = nameOf(f);
      if (f.basis === "rule" && f.basedOn && f.basedOn.length > 0) {
        const from = f.basedOn.join(vi ? " và " : " and ");
        return greet(
          f,
          lang,
          vi
            ? withDeal(`khách mua ${from} thường dùng thêm ${name}`)
            : withDeal(`customers who buy ${from} often add ${name}`),
        );
      }
      return greet(
        f,
        lang,
        vi ? withDeal(`món bán chạy dành cho bạn — ${name}`) : withDeal(`a best seller for you — ${name}`),
      );
    }
    case "upsell": {
      const name = nameOf(f);
      const from = f.fromName;
      return greet(
        f,
        lang,
        vi
          ? withDeal(from ? `lần tới nâng cấp ${from} lên ${name}` : `lần tới thử ${name}`)
          : withDeal(from ? `next time, upgrade ${from} to ${name}` : `next time, try ${name}`),
      );
    }
    case "bundle": {
      const items = itemNames(f);
      const label = f.bundleName && f.basis === "merchant" ? `${f.bundleName} (${items})` : `combo ${items}`;
      const pct = f.discountPercent ? ` −${f.discountPercent}%` : "";
      return greet(f, lang, withDeal(`${label}${pct}`));
    }
    case "tier-exclusive": {
      const what = f.items && f.items.length > 1 ? itemNames(f) : nameOf(f) || itemNames(f);
      const label = f.bundleName ? `${f.bundleName} (${what})` : what;
      const tier = f.tier ?? "";
      return greet(
        f,
        lang,
        vi ? withDeal(`ưu đãi riêng hạng ${tier}: ${label}`) : withDeal(`${tier} members only: ${label}`),
      );
    }
    case "post-purchase": {
      const hours = f.hours ?? 24;
      const bonus = f.bonusPoints && f.bonusPoints > 0 ? formatPoints(f.bonusPoints, lang) : undefined;
      if (vi)
        return greet(
          f,
          lang,
          bonus
            ? `cảm ơn bạn đã ghé! Quay lại trong ${hours} giờ để nhận thêm ${bonus} điểm cho đơn tiếp theo`
            : `cảm ơn bạn đã ghé! Hẹn gặp lại trong ${hours} giờ tới`,
        );
      return greet(
        f,
        lang,
        bonus
          ? `thanks for your visit! Come back within ${hours} hours for ${bonus} bonus points on your next order`
          : `thanks for your visit! See you again within ${hours} hours`,
      );
    }
    case "nudge": {
      const need = formatPoints(f.pointsNeeded ?? 0, lang);
      const reward = f.rewardName ?? "";
      const bonus = bonusClause(f, lang);
      if (vi)
        return greet(
          f,
          lang,
          `bạn chỉ còn ${need} điểm nữa là đổi được ${reward}!${bonus ? ` Đặt món hôm nay: ${bonus}` : ""}`,
        );
      return greet(f, lang, `you're only ${need} points from ${reward}!${bonus ? ` Order today: ${bonus}` : ""}`);
    }
  }
}

/** The offer's text in `lang` (vi for anything else). Deterministic: the same facts give the same text. */
export function offerText(facts: OfferFacts, lang: Lang): string {
  const l: Lang = lang === "en" ? "en" : "vi";
  return sentence(body(facts, l)) + expiryClause(facts, l);
}
