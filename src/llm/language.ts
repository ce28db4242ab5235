/**
 * Is this text Vietnamese or English? (pure heuristics, good enough to catch a model answering in the wrong
 * language): the share of Vietnamese letters (ă â đ ê ô ơ ư and tone marks) and common function words.
 */
import type { Lang } from "../messages/render.ts";

const VI_WORDS = new Set(
  "bạn của và được cho với điểm ưu đãi không có này là hạng đổi quà chào cảm ơn ạ nhé dạ giảm mua hết hạn tặng các những một khi còn đã sẽ tại từ để nếu thì mình chúng tôi hôm nay ngày tháng năm phần trăm món đơn hàng thành viên lên thêm chỉ rất vui".split(
    " ",
  ),
);
const EN_WORDS = new Set(
  "the you your and for with points point off offer get have has is are to of on a an this that reward rewards expire expires until thanks thank hi hello just now today only more left can will be at in as by it our we member tier save saving buy".split(
    " ",
  ),
);

const VI_LETTER = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/giu;

export interface LangScore {
  latinLetters: number;
  viLetters: number;
  viWords: number;
  enWords: number;
}

export function langScore(text: string): LangScore {
  const t = text.normalize("NFC").toLowerCase();
  const latinLetters = (t.match(/\p{Script=Latin}/gu) ?? []).length;
  const viLetters = (t.match(VI_LETTER) ?? []).length;
  let viWords = 0;
  let enWords = 0;
  for (const w of t.split(/[^\p{L}]+/u)) {
    if (w === "") continue;
    if (VI_WORDS.has(w)) viWords++;
    if (EN_WORDS.has(w)) enWords++;
  }
  return { latinLetters, viLetters, viWords, enWords };
}

/** "vi", "en", or undefined when the text says too little to tell. */
export function detectLang(text: string): Lang | undefined {
  const s = langScore(text);
  if (s.latinLetters === 0) return undefined;
  const ratio = s.viLetters / s.latinLetters;
  if (ratio >= 0.08 || (s.viWords > s.enWords && ratio >= 0.02)) return "vi";
  if (s.enWords > s.viWords && ratio < 0.04) return "en";
  return undefined;
}

/** Whether `text` is in `lang`; short texts that can't be told apart (≤ 24 letters, e.g. "OK 👍") pass. */
export function isLanguage(text: string, lang: Lang): boolean {
  const detected = detectLang(text);
  if (detected === lang) return true;
  if (detected === undefined) return langScore(text).latinLetters <= 24;
  return false;
}
