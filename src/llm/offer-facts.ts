/**
 * Offer facts: everything a personalised offer message may say, as structured data (the offers engine fills
 * it; the model and the template only phrase it). Amounts are integers in the currency's minor unit.
 * Also the deterministic template (vi/en, locale formatting) — the path used without a model and whenever the
 * model's text is rejected, late or missing.
 */
import { z } from "zod";
import { formatDate, formatMoney, formatNumber, type Lang } from "../messages/render.ts";
import { FactSet } from "./figures.ts";
import { MAX_MONEY, MAX_POINTS } from "../lib/validate.ts";

export const OFFER_KINDS = ["cross-sell", "bundle", "upsell", "post-purchase", "tier-exclusive", "nudge"] as const;
export type OfferKind = (typeof OFFER_KINDS)[number];

// The columns' bounds (a bundle price up to MAX_MONEY, a reward cost up to MAX_POINTS): facts read from the
// database always parse.
const amount = z.number().int().min(0).max(MAX_MONEY);
const points = z.number().int().min(0).max(MAX_POINTS);

export const OfferFactsSchema = z.object({
  kind: z.enum(OFFER_KINDS),
  /** The products the offer is about (a bundle has several; a reward nudge may have none); catalog names. */
  products: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(120),
        sku: z.string().max(100).optional(),
        price: amount.nullish(),
      }),
    )
    .max(5),
  /** Regular price of the whole offer (e.g. a bundle's items together). */
  price: amount.nullish(),
  /** What the member pays with the offer. */
  memberPrice: amount.nullish(),
  discountPercent: z.number().min(0).max(100).nullish(),
  discountAmount: amount.nullish(),
  bonusPoints: points.nullish(),
  pointsMultiplier: z.number().min(1).max(100).nullish(),
  expiresAt: z.date().nullish(),
  /** Cross-sell: what the member bought that the offer builds on. */
  basedOn: z.array(z.string().trim().min(1).max(120)).max(5).nullish(),
  /** Upsell: the product being upgraded. */
  fromName: z.string().trim().max(120).nullish(),
  /** A merchant bundle's name. */
  bundleName: z.string().trim().max(120).nullish(),
  /** Nudge: the reward the member is close to, and the points still needed. */
  rewardName: z.string().trim().max(200).nullish(),
  pointsNeeded: points.nullish(),
  /** Post-purchase: hours the offer lasts after the order. */
  validHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .nullish(),
  /** The member's given name (filled in after phrasing; never sent to the model). */
  firstName: z.string().trim().max(60).nullish(),
  tier: z.string().trim().max(100).nullish(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("VND"),
  timeZone: z.string().default("Asia/Ho_Chi_Minh"),
});
export type OfferFacts = z.input<typeof OfferFactsSchema>;
type Facts = z.output<typeof OfferFactsSchema>;

function decimal(n: number, lang: Lang): string {
  if (Number.isInteger(n)) return formatNumber(n, lang);
  const [i, f] = String(Math.round(n * 100) / 100).split(".");
  return `${formatNumber(Number(i), lang)}${lang === "vi" ? "," : "."}${f}`;
}

/** The facts as the model sees them: numbers and dates already formatted in the target language. */
export function promptFacts(input: OfferFacts, lang: Lang): Record<string, unknown> {
  const f = OfferFactsSchema.parse(input);
  const money = (n: number | null | undefined) =>
    n === null || n === undefined ? undefined : formatMoney(n, f.currency, lang);
  const out: Record<string, unknown> = {
    kind: f.kind,
    language: lang === "vi" ? "vi (tiếng Việt)" : "en (English)",
    customer: { firstName: "{{firstName}}", ...(f.tier ? { tier: f.tier } : {}) },
    products: f.products.map((p) => ({
      name: p.name,
      ...(p.price !== null && p.price !== undefined ? { price: money(p.price) } : {}),
    })),
  };
  if (f.price !== null && f.price !== undefined) out.regularPrice = money(f.price);
  if (f.memberPrice !== null && f.memberPrice !== undefined) out.offerPrice = money(f.memberPrice);
  if (f.discountPercent) out.discount = `${decimal(f.discountPercent, lang)}%`;
  else if (f.discountAmount) out.discount = money(f.discountAmount);
  if (f.bonusPoints) out.bonusPoints = decimal(f.bonusPoints, lang);
  if (f.pointsMultiplier && f.pointsMultiplier > 1) out.pointsMultiplier = `x${decimal(f.pointsMultiplier, lang)}`;
  if (f.expiresAt) out.validUntil = formatDate(f.expiresAt, lang, f.timeZone);
  if (f.basedOn?.length) out.customerBought = f.basedOn;
  if (f.fromName) out.upgradeFrom = f.fromName;
  if (f.bundleName) out.bundleName = f.bundleName;
  if (f.rewardName) out.reward = f.rewardName;
  if (f.pointsNeeded) out.pointsStillNeeded = decimal(f.pointsNeeded, lang);
  if (f.validHours) out.validForHours = String(f.validHours);
  return out;
}

/** The figures an offer text may contain. */
export function offerFactSet(input: OfferFacts): FactSet {
  const f = OfferFactsSchema.parse(input);
  const s = new FactSet();
  const money = (n: number | null | undefined) => {
    if (n === null || n === undefined) return;
    s.addText(formatMoney(n, f.currency, "vi")).addText(formatMoney(n, f.currency, "en"));
  };
  for (const p of f.products) money(p.price);
  money(f.price);
  money(f.memberPrice);
  money(f.discountAmount);
  s.addNumber(f.discountPercent)
    .addNumber(f.bonusPoints)
    .addNumber(f.pointsMultiplier)
    .addNumber(f.pointsNeeded)
    .addNumber(f.validHours);
  s.addDate(f.expiresAt, f.timeZone);
  return s;
}

/** Names an offer text may use: its products, what it builds on, the bundle, the reward, the tier. */
export function offerNames(input: OfferFacts): string[] {
  const names = [...input.products.map((p) => p.name), ...(input.basedOn ?? [])];
  for (const n of [input.fromName, input.bundleName, input.rewardName, input.tier]) if (n) names.push(n);
  return names;
}

function list(names: string[], lang: Lang, joiner: "and" | "plus"): string {
  if (names.length <= 1) return names[0] ?? "";
  if (joiner === "plus") return names.join(" + ");
  const last = names[names.length - 1]!;
  return `${names.slice(0, -1).join(", ")} ${lang === "vi" ? "và" : "and"} ${last}`;
}

/** The deal in a few words: "giảm 20%, chỉ 28.000 ₫ (giá gốc 35.000 ₫), tặng 50 điểm". */
function deal(f: Facts, lang: Lang): string {
  const m = (n: number) => formatMoney(n, f.currency, lang);
  const parts: string[] = [];
  if (f.discountPercent)
    parts.push(
      lang === "vi" ? `giảm ${decimal(f.discountPercent, lang)}%` : `${decimal(f.discountPercent, lang)}% off`,
    );
  else if (f.discountAmount) parts.push(lang === "vi" ? `giảm ${m(f.discountAmount)}` : `${m(f.discountAmount)} off`);
  const total = f.price ?? (f.products.length === 1 ? f.products[0]!.price : undefined);
  if (f.memberPrice !== null && f.memberPrice !== undefined) {
    const was = total !== null && total !== undefined && total > f.memberPrice ? total : undefined;
    if (lang === "vi")
      parts.push(was !== undefined ? `chỉ ${m(f.memberPrice)} (giá gốc ${m(was)})` : `chỉ ${m(f.memberPrice)}`);
    else parts.push(was !== undefined ? `just ${m(f.memberPrice)} (was ${m(was)})` : `just ${m(f.memberPrice)}`);
  } else if (total !== null && total !== undefined && parts.length === 0) {
    parts.push(lang === "vi" ? `giá ${m(total)}` : `for ${m(total)}`);
  }
  if (f.pointsMultiplier && f.pointsMultiplier > 1)
    parts.push(
      lang === "vi"
        ? `nhận x${decimal(f.pointsMultiplier, lang)} điểm`
        : `x${decimal(f.pointsMultiplier, lang)} points`,
    );
  if (f.bonusPoints)
    parts.push(
      lang === "vi"
        ? `tặng thêm ${decimal(f.bonusPoints, lang)} điểm`
        : `plus ${decimal(f.bonusPoints, lang)} bonus points`,
    );
  if (parts.length === 0) return lang === "vi" ? "ưu đãi riêng cho bạn" : "a treat just for you";
  return parts.join(", ");
}

/**
 * The deterministic offer message (one per kind, both languages). `{{firstName}}` is not used here: the name
 * (when known) is written directly.
 */
export function offerTemplate(input: OfferFacts, lang: Lang): string {
  const f = OfferFactsSchema.parse(input);
  const names =
    f.products.length > 0
      ? f.products.map((p) => p.name)
      : [f.bundleName ?? f.rewardName ?? (lang === "vi" ? "món bạn thích" : "your favourites")];
  const one = list(names, lang, "and");
  const d = deal(f, lang);
  const name = f.firstName ?? undefined;
  const hi = lang === "vi" ? (name ? `${name} ơi, ` : "Dạ, ") : name ? `Hi ${name}! ` : "";
  const until = f.expiresAt
    ? lang === "vi"
      ? ` Ưu đãi đến hết ${formatDate(f.expiresAt, lang, f.timeZone)}.`
      : ` Valid until ${formatDate(f.expiresAt, lang, f.timeZone)}.`
    : "";
  const cap = (s: string) => (s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s);
  let body: string;
  if (lang === "vi") {
    switch (f.kind) {
      case "cross-sell":
        body = `${hi}bạn thử thêm ${one} nhé: ${d}.`;
        break;
      case "bundle":
        body = `${hi}combo ${list(names, lang, "plus")} dành cho bạn: ${d}.`;
        break;
      case "upsell":
        body = `${hi}nâng cấp lên ${one} nhé: ${d}.`;
        break;
      case "post-purchase":
        body = `${hi}cảm ơn bạn đã mua hàng! Lần tới mua ${one}: ${d}.`;
        break;
      case "tier-exclusive":
        body = `${hi}ưu đãi riêng${f.tier ? ` hạng ${f.tier}` : " cho thành viên"}: ${one}, ${d}.`;
        break;
      case "nudge":
        body =
          f.rewardName && f.pointsNeeded
            ? `${hi}bạn chỉ còn ${decimal(f.pointsNeeded, lang)} điểm nữa là đổi được ${f.rewardName}!${f.bonusPoints ? ` Đặt món hôm nay: tặng thêm ${decimal(f.bonusPoints, lang)} điểm.` : ""}`
            : `${hi}lâu rồi chưa gặp bạn! Ghé quán thưởng thức ${one} nhé: ${d}.`;
        break;
    }
    body = cap(body);
  } else {
    switch (f.kind) {
      case "cross-sell":
        body = `${hi}Why not add ${one}? ${cap(d)}.`;
        break;
      case "bundle":
        body = `${hi}A bundle for you: ${list(names, lang, "plus")}, ${d}.`;
        break;
      case "upsell":
        body = `${hi}Upgrade to ${one}: ${d}.`;
        break;
      case "post-purchase":
        body = `${hi}Thanks for your purchase! Next time, get ${one}: ${d}.`;
        break;
      case "tier-exclusive":
        body = `${hi}${f.tier ? `A ${f.tier} member exclusive` : "A member exclusive"}: ${one}, ${d}.`;
        break;
      case "nudge":
        body =
          f.rewardName && f.pointsNeeded
            ? `${hi}You're only ${decimal(f.pointsNeeded, lang)} points from ${f.rewardName}!${f.bonusPoints ? ` Order today for ${decimal(f.bonusPoints, lang)} bonus points.` : ""}`
            : `${hi}We miss you! Come back for ${one}: ${d}.`;
        break;
    }
  }
  return body + until;
}
