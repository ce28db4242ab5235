/**
 * From a message to an intent (pure): slash commands, button data, and a keyword matcher for free text that
 * understands Vietnamese (with or without diacritics) and English.
 */
import { foldVietnamese, type Lang } from "../../src/messages/render.ts";
import { parseAnswerData } from "../../src/surveys/logic.ts";

export type Intent =
  | { kind: "start"; code?: string | undefined }
  | { kind: "link"; code: string }
  | { kind: "points" }
  | { kind: "history" }
  | { kind: "whyPoints"; externalId?: string | undefined }
  | { kind: "affordable" }
  | { kind: "expiry" }
  | { kind: "tierProgress"; text: string }
  | { kind: "rewards"; from: number }
  | { kind: "redeemAsk"; rewardId: string }
  | { kind: "redeemConfirm"; rewardId: string; nonce: string }
  | { kind: "cancel" }
  | { kind: "vouchers" }
  | { kind: "offers" }
  | { kind: "offerClaim"; offerId: string }
  | { kind: "language"; lang?: Lang | undefined }
  | { kind: "stop" }
  | { kind: "optIn" }
  | { kind: "consent"; granted: boolean }
  | { kind: "myData" }
  | { kind: "eraseAsk" }
  | { kind: "eraseConfirm" }
  | { kind: "help" }
  | { kind: "greeting" }
  | { kind: "thanks" }
  | { kind: "howToLink" }
  | { kind: "invite" }
  | { kind: "referral"; code: string }
  | { kind: "surveyAnswer"; surveyId: string; q: number; value: number | "s" }
  | { kind: "unknown" };

/** Button data: short ASCII (Telegram callback_data is 1–64 bytes). */
export const Btn = {
  points: "p",
  history: "h",
  rewards: "r",
  rewardsFrom: (from: number) => `r:${from}`,
  redeemAsk: (rewardId: string) => `rw:${rewardId}`,
  redeemConfirm: (rewardId: string, nonce: string) => `rc:${rewardId}:${nonce}`,
  cancel: "x",
  vouchers: "v",
  offers: "o",
  offerClaim: (offerId: string) => `oc:${offerId}`,
  language: "l",
  languageSet: (lang: Lang) => `l:${lang}`,
  stop: "stop",
  optIn: "start",
  help: "help",
  howToLink: "link",
  consentYes: "cs:y",
  consentNo: "cs:n",
  eraseConfirm: "del:y",
  invite: "inv",
} as const;

/** Whether `data` can travel as Telegram callback_data (ASCII, ≤ 64 bytes). */
export function isValidButtonData(data: string): boolean {
  return data.length >= 1 && data.length <= 64 && /^[\x20-\x7e]+$/.test(data);
}

const ID = "[A-Za-z0-9_-]{1,60}";

export function parseButton(data: string): Intent {
  const d = data.trim();
  switch (d) {
    case Btn.points:
      return { kind: "points" };
    case Btn.history:
      return { kind: "history" };
    case Btn.rewards:
      return { kind: "rewards", from: 0 };
    case Btn.cancel:
      return { kind: "cancel" };
    case Btn.vouchers:
      return { kind: "vouchers" };
    case Btn.offers:
      return { kind: "offers" };
    case Btn.language:
      return { kind: "language" };
    case Btn.stop:
      return { kind: "stop" };
    case Btn.optIn:
      return { kind: "optIn" };
    case Btn.help:
      return { kind: "help" };
    case Btn.howToLink:
      return { kind: "howToLink" };
    case Btn.consentYes:
      return { kind: "consent", granted: true };
    case Btn.consentNo:
      return { kind: "consent", granted: false };
    case Btn.eraseConfirm:
      return { kind: "eraseConfirm" };
    case Btn.invite:
      return { kind: "invite" };
  }
  let m = /^r:(\d{1,4})$/.exec(d);
  if (m) return { kind: "rewards", from: Number(m[1]) };
  m = new RegExp(`^rw:(${ID})$`).exec(d);
  if (m) return { kind: "redeemAsk", rewardId: m[1]! };
  m = new RegExp(`^rc:(${ID}):([A-Za-z0-9]{4,16})$`).exec(d);
  if (m) return { kind: "redeemConfirm", rewardId: m[1]!, nonce: m[2]! };
  m = new RegExp(`^oc:(${ID})$`).exec(d);
  if (m) return { kind: "offerClaim", offerId: m[1]! };
  m = /^l:(vi|en)$/.exec(d);
  if (m) return { kind: "language", lang: m[1] as Lang };
  const answer = parseAnswerData(d);
  if (answer) return { kind: "surveyAnswer", ...answer };
  return { kind: "unknown" };
}

function langArg(arg: string): Lang | undefined {
  const a = foldVietnamese(arg.trim());
  if (/^(vi|vn|viet|vietnamese|tieng viet)$/.test(a)) return "vi";
  if (/^(en|eng|english|tieng anh)$/.test(a)) return "en";
  return undefined;
}

/** `/command[@bot] [args]` → intent; undefined when the text is not a slash command. */
export function parseCommand(text: string): Intent | undefined {
  const m = /^\/([A-Za-z_]+)(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return undefined;
  const cmd = m[1]!.toLowerCase();
  const arg = (m[2] ?? "").trim();
  switch (cmd) {
    case "start": {
      const code = arg === "" ? undefined : arg.split(/\s+/)[0];
      // A referral deep link (t.me/<bot>?start=ref_<code>); link codes never contain "_".
      const ref = code ? /^ref_([A-Za-z0-9]{4,16})$/i.exec(code) : null;
      return ref ? { kind: "referral", code: ref[1]! } : { kind: "start", code };
    }
    case "invite":
    case "refer":
    case "gioithieu":
      return { kind: "invite" };
    case "link":
      return arg ? { kind: "link", code: arg.split(/\s+/)[0]! } : { kind: "howToLink" };
    case "points":
    case "diem":
    case "balance":
      return { kind: "points" };
    case "history":
    case "lichsu":
      return { kind: "history" };
    case "rewards":
    case "qua":
    case "redeem":
      return { kind: "rewards", from: 0 };
    case "vouchers":
    case "voucher":
      return { kind: "vouchers" };
    case "offers":
    case "offer":
    case "uudai":
      return { kind: "offers" };
    case "language":
    case "lang":
    case "ngonngu":
      return { kind: "language", lang: arg ? langArg(arg) : undefined };
    case "stop":
    case "unsubscribe":
    case "optout":
      return { kind: "stop" };
    case "mydata":
    case "dulieu":
      return { kind: "myData" };
    case "deleteme":
    case "xoadulieu":
      return { kind: "eraseAsk" };
    case "help":
    case "menu":
      return { kind: "help" };
    case "cancel":
      return { kind: "cancel" };
    default:
      return { kind: "unknown" };
  }
}

/** The code alphabet of `newCode` (no look-alikes), for recognising a typed link code. */
const CODE_CHARS = /^[ACDEFGHJKMNPQRTUVWXY34679]{8}$/;

/**
 * A typed link code: the message is one 8-character token from the code alphabet (any case), optionally after
 * "code"/"mã"/"ma". Returns the code or undefined.
 */
export function typedLinkCode(text: string): string | undefined {
  const words = text.trim().split(/\s+/);
  let token: string | undefined;
  if (words.length === 1) token = words[0];
  else if (words.length === 2 && /^(code|ma|link|lien ket)[:.]?$/.test(foldVietnamese(words[0]!))) token = words[1];
  if (!token) return undefined;
  const t = token.replace(/[.:!]+$/, "").toUpperCase();
  return CODE_CHARS.test(t) ? t : undefined;
}

/** A typed referral code: "ref <code>" (how a friend uses a referral on Zalo, where there are no deep links). */
export function typedReferralCode(text: string): string | undefined {
  const m = /^ref[\s:_-]+([A-Za-z0-9]{4,16})[.!]?$/i.exec(text.trim());
  return m ? m[1]!.toUpperCase() : undefined;
}

/**
 * A bare code typed alone ("  acdf3479 "): the shape both a link code and a referral code have (8 characters of the
 * link-code alphabet, any case, spaces trimmed). Which one it is, the database says (referral codes first).
 */
export function bareCode(text: string): string | undefined {
  const t = text
    .trim()
    .replace(/[.:!]+$/, "")
    .toUpperCase();
  return CODE_CHARS.test(t) ? t : undefined;
}

/** A message that is (mostly) a phone number: typing a phone never links, the bot explains why. */
export function looksLikePhone(text: string): boolean {
  const t = text.trim().replace(/[\s\-.()]/g, "");
  return /^(\+|00)?\d{9,15}$/.test(t);
}

interface Rule {
  intent: Intent;
  re: RegExp;
}

// Checked in order, on folded text (lower case, no diacritics). Opt-out and opt-in come first:
// "dừng nhận khuyến mãi" must not read as "offers".
const RULES: Rule[] = [
  {
    intent: { kind: "stop" },
    re: /\b(stop|unsubscribe|opt ?out|huy dang ky|huy nhan|ngung nhan|ngung gui|dung nhan|dung gui|khong nhan|tat thong bao|dung lai)\b/,
  },
  { intent: { kind: "start" }, re: /^(start|bat dau|begin|get started)$/ },
  { intent: { kind: "optIn" }, re: /\b(subscribe|opt ?in|nhan lai|dang ky nhan|bat thong bao)\b/ },
  {
    intent: { kind: "invite" },
    re: /\b(gioi thieu ban( be)?|ma gioi thieu|link gioi thieu|moi ban( be)?|invite (a )?friends?|refer (a )?friends?|referral( code| link)?)\b/,
  },
  { intent: { kind: "language", lang: "en" }, re: /\b(english|tieng anh|in english|speak english)\b/ },
  { intent: { kind: "language", lang: "vi" }, re: /\b(vietnamese|tieng viet)\b/ },
  { intent: { kind: "language" }, re: /\b(language|ngon ngu)\b/ },
  { intent: { kind: "vouchers" }, re: /\b(vouchers?|coupons?|ma giam gia|ma cua toi|my codes?|phieu qua)\b/ },
  {
    intent: { kind: "rewards", from: 0 },
    re: /\b(rewards?|redeem|catalog(ue)?|doi qua|doi diem|doi thuong|qua tang|qua|gifts?)\b/,
  },
  { intent: { kind: "history" }, re: /\b(history|lich su|giao dich|transactions?|statement|sao ke)\b/ },
  { intent: { kind: "offers" }, re: /\b(offers?|deals?|promos?|promotions?|uu dai|khuyen mai|giam gia)\b/ },
  {
    intent: { kind: "points" },
    re: /\b(points?|pts|balance|diem|so du|tich luy|hang thanh vien|tier|hang cua toi|het han)\b/,
  },
  { intent: { kind: "help" }, re: /\b(help|menu|giup|tro giup|huong dan|lam gi|what can you do|commands?)\b/ },
  { intent: { kind: "howToLink" }, re: /\b(link|lien ket|ket noi|connect)\b/ },
  { intent: { kind: "thanks" }, re: /\b(cam on|thanks?|thank you|thx|camon)\b/ },
  { intent: { kind: "greeting" }, re: /^(hi|hello|hey|xin chao|chao|chao ban|alo|good (morning|afternoon|evening))\b/ },
];

function fold(text: string): string {
  return foldVietnamese(text)
    .replace(/[^a-z0-9\s]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

// Questions with a template answer, on folded text. Checked before the LLM assistant (bots/core/conversation.ts),
// so they never cost a model call and their figures always come from the database.
const AFFORDABLE = [
  /\bwhat (can|could) (i|my points) (get|redeem|buy|afford|exchange)\b/,
  /\bwhat (rewards? )?(can|could) i (get|redeem|afford) (for|with) (my )?points\b/,
  /\bwhat (do|does|will|would) my points (get|buy)\b/,
  /\bwhat can i (get|redeem) now\b/,
  /\b(doi|lay) duoc (gi|nhung gi|qua gi|mon gi|cai gi|qua nao|mon nao)\b/,
  /\bdu diem (doi|lay|mua) (gi|qua gi|qua nao)\b/,
];
const EXPIRY = [
  /\b(when|what date|which day)\b.*\b(expire|expires|expiring|expiry|run out)\b/,
  /\b(expiry|expiration) (date|dates|schedule)\b/,
  /\bdo (my )?points (ever )?expire\b/,
  /\b(khi nao|bao gio|luc nao|ngay nao|bao lau|thoi han|han su dung)\b.*\bhet han\b/,
  /\bhet han (khi nao|bao gio|luc nao|ngay nao|chua|khong)\b/,
  /\b(han su dung|thoi han) (cua )?diem\b/,
  /\bdiem (co )?(bi )?het han\b/,
];
const TIER = [
  /\bhow (do|can|to|would|could) (i )?(reach|get to|get|become|upgrade|move up|level up|climb|qualify for|make)\b.*\b(tier|level|rank|status|gold|silver|platinum|diamond|bronze|vip)\b/,
  /\b(reach|get to|upgrade to|qualify for|become) (the )?(next )?\w*\s?(tier|level|rank)\b/,
  /\b(next tier|tier progress|how far (from|to))\b/,
  /\b(lam sao|lam the nao|cach nao|the nao|can bao nhieu|con bao nhieu|bao nhieu nua|muon)\b.*\b(len hang|dat hang|thang hang|len)\b/,
  /\b(len hang|thang hang|dat hang|hang tiep theo)\b/,
];

/** A free-text question with a template answer, or undefined. */
export function matchQuestion(text: string): Intent | undefined {
  const t = fold(text);
  if (t === "") return undefined;
  if (EXPIRY.some((r) => r.test(t))) return { kind: "expiry" };
  if (TIER.some((r) => r.test(t))) return { kind: "tierProgress", text };
  if (AFFORDABLE.some((r) => r.test(t))) return { kind: "affordable" };
  return undefined;
}

/** Free text → intent by keywords (vi with/without diacritics, en); `unknown` when nothing matches. */
export function matchKeywords(text: string): Intent {
  const t = fold(text);
  if (t === "") return { kind: "unknown" };
  const question = matchQuestion(text);
  if (question) return question;
  // "tại sao đơn POS-0001 được 68 điểm?", "why did I get 68 points?" (issue 13 defect 4).
  if (/\b(tai sao|vi sao|why|how come)\b/.test(t) && /\b(diem|points?|pts)\b/.test(t)) {
    const id = /\b([A-Za-z][A-Za-z0-9_.]*-?\d[A-Za-z0-9_.-]*)/.exec(text)?.[1];
    return { kind: "whyPoints", externalId: id };
  }
  for (const r of RULES) if (r.re.test(t)) return r.intent;
  return { kind: "unknown" };
}
