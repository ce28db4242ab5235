/**
 * Everything the bot says, as one typed interface implemented per language (copy.vi.ts, copy.en.ts).
 * Handlers pass plain data; the copy decides the words and uses render.ts for numbers, money and dates.
 */
import type { Lang } from "./render.ts";

export type ChatChannel = "telegram" | "zalo" | "zalo_oa" | "web";

/** Formatting context for one reply: the language, the merchant's currency and time zone. */
export interface Fmt {
  lang: Lang;
  currency: string;
  timeZone: string;
}

export interface PointsInfo {
  name?: string | undefined;
  balance: number;
  pending: number;
  tier?: string | undefined;
  nextTier?: { name: string; spendNeeded: number } | undefined;
  expiring?: { points: number; firstExpiry: Date } | undefined;
  /** Store credit (minor units); shown when > 0. */
  credit?: number | undefined;
  subscription?: { name: string; endsAt: Date } | undefined;
  /** Tier and plan perks (merchant text). */
  perks?: string[] | undefined;
}

export interface HistoryLine {
  at: Date;
  kind: string;
  points: number;
  reason?: string | null | undefined;
  /** The order the entry was for (issue 13: "what was each entry for"). */
  order?: { externalId: string; total: number } | undefined;
  /** Multipliers and events its stored breakdown applied. */
  why?: { kind: "line" | "tier" | "plan" | "event"; label: string; multiplier: number }[] | undefined;
  /** The claim code of an add-on offer bonus. */
  offerCode?: string | undefined;
}

export interface WhyPointsInfo {
  externalId: string;
  total: number;
  /** Σ the order's earn and bonus entries. */
  earned: number;
  base: number;
  earn: number;
  why: NonNullable<HistoryLine["why"]>;
  bonus: number;
  events: string[];
  offerBonuses: { code: string; points: number }[];
  reversed: number;
  cashback: number;
}

export interface RewardLine {
  name: string;
  cost: number;
  affordable: boolean;
  minTier?: string | null | undefined;
  soldOut: boolean;
}

export interface VoucherLine {
  code: string;
  name: string;
  expiresAt?: Date | null | undefined;
  /** A claimed offer's code (not a redeemed reward). */
  offer?: boolean | undefined;
}

export interface OfferLine {
  text: string;
  expiresAt?: Date | undefined;
}

/** "What can I get for my points?": rewards affordable now and the cheapest one still out of reach. */
export interface AffordableInfo {
  balance: number;
  affordable: { name: string; cost: number }[];
  /** Affordable rewards not listed (the list is capped). */
  moreAffordable: number;
  next?: { name: string; cost: number; needed: number } | undefined;
  /** The merchant has no active rewards at all. */
  noRewards: boolean;
}

/** "When do my points expire?": the member's lots with points left, grouped by expiry day. */
export interface ExpiryInfo {
  total: number;
  /** Soonest first; `date` is the expiry instant of the day's first lot. */
  dates: { date: Date; points: number }[];
  /** Points in later dates not listed (the list is capped). */
  later: number;
  /** Points that never expire. */
  never: number;
}

/** "How do I reach Gold?": spend needed for a tier over the tier window. */
export interface TierProgressInfo {
  current?: string | undefined;
  /** The tier asked about (or the next one); undefined at the top tier or without tiers. */
  target?: { name: string; minSpend: number; spendNeeded: number } | undefined;
  /** The member already holds the tier asked about (or a higher one). */
  alreadyAt?: string | undefined;
  spend: number;
  windowDays: number;
  noTiers: boolean;
}

export interface CommandInfo {
  command: string;
  description: string;
}

export interface Copy {
  lang: Lang;
  /** Button labels (short; shown as inline buttons or numbered choices). */
  buttons: {
    points: string;
    history: string;
    rewards: string;
    vouchers: string;
    offers: string;
    help: string;
    language: string;
    vi: string;
    en: string;
    confirm: string;
    cancel: string;
    more: string;
    shareContact: string;
    stop: string;
    start: string;
    /** Opens the loyalty card (Telegram Mini App). */
    card: string;
    redeem(name: string, cost: string): string;
    claim(index: number): string;
  };
  /** Descriptions for Telegram's setMyCommands, in command order. */
  commands: CommandInfo[];

  welcomeUnlinked(channel: ChatChannel): string;
  needLink(channel: ChatChannel): string;
  linked(name: string | undefined): string;
  alreadyLinked(name: string | undefined): string;
  linkCodeInvalid(): string;
  linkTooManyAttempts(): string;
  contactNotOwn(): string;
  contactNoMember(): string;
  contactInvalid(): string;
  phoneTyped(channel: ChatChannel): string;
  welcomeBack(name: string | undefined): string;
  optedIn(): string;
  optedOut(): string;
  alreadyOptedOut(): string;

  points(f: Fmt, p: PointsInfo): string;
  history(f: Fmt, lines: HistoryLine[]): string;
  historyEmpty(): string;
  whyPoints(f: Fmt, w: WhyPointsInfo): string;
  whyPointsNone(externalId: string | undefined): string;
  rewards(f: Fmt, lines: RewardLine[], balance: number, page: { from: number; total: number }): string;
  rewardsEmpty(): string;
  redeemConfirm(f: Fmt, r: { name: string; cost: number; balanceAfter: number }): string;
  redeemNotEnough(f: Fmt, r: { name: string; cost: number; balance: number }): string;
  redeemDone(f: Fmt, r: { name: string; code: string; balance: number; expiresAt: Date | null }): string;
  redeemOutOfStock(name: string): string;
  redeemTierRequired(name: string, minTier: string): string;
  rewardGone(): string;
  cancelled(): string;
  vouchers(f: Fmt, lines: VoucherLine[]): string;
  vouchersEmpty(): string;
  offers(f: Fmt, lines: OfferLine[]): string;
  offersNone(): string;
  offerClaimed(f: Fmt, o: { code: string; expiresAt: Date }): string;
  offerGone(): string;
  languageAsk(): string;
  languageSet(): string;
  help(channel: ChatChannel): string;
  unknown(): string;
  thanks(): string;
  slowDown(): string;
  notConfigured(): string;
  error(): string;
  /** Zalo: the line before numbered choices. */
  choicesIntro(): string;
  /** Zalo: a number typed that matches no current choice. */
  choiceExpired(): string;
  /** Template answers to free-text questions (answered before any LLM; bots/core/handlers/questions.ts). */
  rewardsAffordable(f: Fmt, a: AffordableInfo): string;
  expirySchedule(f: Fmt, e: ExpiryInfo): string;
  tierProgress(f: Fmt, t: TierProgressInfo): string;
}
