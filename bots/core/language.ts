/**
 * The language a free-text message is written in, so a question is answered in that language even when the member's
 * stored language is the other one (an English question from a Vietnamese-speaking member gets English). Only
 * confident answers count: a single word such as "menu", "voucher" or "ok" says nothing and keeps the member's
 * language. The reply language changes for that message only; the stored preference changes with /language.
 */
import { langScore } from "../../src/llm/language.ts";
import { foldVietnamese, type Lang } from "../../src/messages/render.ts";

// Vietnamese typed without diacritics: words English never uses (folded, whole words).
const VI_FOLDED =
  /\b(diem|cua toi|toi|minh|ban|bao nhieu|bao gio|khi nao|luc nao|lam sao|lam the nao|the nao|duoc|gi|khong|het han|len hang|hang|doi qua|con|nhung|vay|nhe|oi|cho|mua|chi tieu)\b/g;
// English function words of questions (a message needs two of them).
const EN_WORDS =
  /\b(what|when|where|which|how|why|can|could|do|does|did|is|are|will|my|me|i|you|get|reach|expire|expires|points?|rewards?|tier|the|for|to|have|much|many|left|next)\b/g;

export function questionLang(text: string): Lang | undefined {
  const s = langScore(text);
  if (s.latinLetters === 0) return undefined;
  if (s.viLetters > 0) return "vi";
  const folded = foldVietnamese(text).replace(/[^a-z0-9\s]/g, " ");
  const vi = folded.match(VI_FOLDED)?.length ?? 0;
  const en = folded.match(EN_WORDS)?.length ?? 0;
  if (vi > 0 && vi >= en) return "vi";
  if (en >= 2 && vi === 0) return "en";
  if (en >= 3 && en > vi * 2) return "en";
  return undefined;
}
