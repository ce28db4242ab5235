/** Chat copy and formatting: `copyFor(lang)` gives the strings of one language. */
import type { Copy } from "./copy.ts";
import { en } from "./copy.en.ts";
import { vi } from "./copy.vi.ts";
import type { Lang } from "./render.ts";

export type {
  Copy,
  Fmt,
  PointsInfo,
  HistoryLine,
  RewardLine,
  VoucherLine,
  OfferLine,
  CommandInfo,
  ChatChannel,
} from "./copy.ts";
export * from "./render.ts";

export function copyFor(lang: Lang): Copy {
  return lang === "en" ? en : vi;
}
