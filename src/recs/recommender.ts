/**
 * Basket recommendations that blend co-purchase rules with item popularity and the member's own history.
 * Pure, no I/O: the inputs are the mined rules, how many orders contain each item, and (optionally) the member's
 * past orders and each item's value (margin).
 *
 * Score = an estimate of P(item | basket, member), then × value when values are known (expected value):
 *   popular   P(j) = count(j) / N — every item starts at its popularity, so an unseen basket still gets the
 *             best sellers, and an item no rule mentions is never ranked below what popularity would give it;
 *   rule      (count(lhs ∪ j) + k·P(j)) / (count(lhs) + k) for each rule lhs → j with lhs ⊆ basket: the rule's
 *             confidence, shrunk toward P(j) by k pseudo-orders (k = 10), so a rule seen in a handful of orders
 *             can't outrank a best seller on luck; the best rule per item counts (max, not sum: rules of one
 *             basket overlap, and a sum favours items that appear in many weak rules);
 *   habit     (orders of the member with j + k·P(j)) / (member's orders + k): how often this member buys j.
 *   The item's probability is the largest of these; the reason shown is the one that gave it.
 * Items already in the basket are never recommended. Ties: item string order.
 *
 * Why max of smoothed confidences and not confidence × lift (the old ranking): lift favours rare items, and a
 * rare item is rarely the one bought; the smoothed confidence estimates the probability of the sale itself.
 * Measured in docs/recommendations-evaluation.md.
 */
import { compareStrings, type Rule } from "./mine.ts";

/** Pseudo-orders that shrink a rule's confidence (or a member's repeat rate) toward the item's popularity. */
export const DEFAULT_SMOOTHING = 10;
/** A habit counts once the member bought the item in at least this many orders. */
export const HABIT_MIN_ORDERS = 2;
/** "Not lately": a habit item absent from the member's last this-many orders is a lapsed one. */
export const LAPSED_AFTER_ORDERS = 3;

export type ReasonKind = "co-purchase" | "habit" | "lapsed" | "popular";

export interface Reason {
  kind: ReasonKind;
  /** The recommended item. */
  item: string;
  /** co-purchase: the basket items of the rule's lhs. */
  because?: string[];
}

export interface ScoredItem {
  item: string;
  /** Estimated probability the item is bought with this basket (0..1). */
  probability: number;
  /** Item value (margin) used, when values are known. */
  value: number | null;
  /** Ranking score: probability × value when values are known, else probability. */
  score: number;
  reason: Reason;
}

export interface MemberHistory {
  /** The member's past orders, oldest first, each a list of items (duplicates ignored). */
  orders: readonly (readonly string[])[];
}

export interface RecommendInput {
  basket: Iterable<string>;
  history?: MemberHistory | undefined;
}

export interface BlendOptions {
  smoothing?: number;
  /** Item → value (e.g. margin per unit). When given, ranking is by probability × value; items without a value
   *  take the median of the known values. */
  values?: ReadonlyMap<string, number> | undefined;
  /** Use the member's history (default true; the evaluation also runs without it). */
  useHistory?: boolean;
}

export interface ItemCounts {
  /** N: orders the counts are over. */
  transactions: number;
  /** Orders containing each item. */
  counts: ReadonlyMap<string, number>;
}

/** The blend's probability for a rule lhs → rhs (module doc), from the rule's own figures: P(rhs) = confidence /
 *  lift and count(lhs) = count / confidence. */
export function blendProbability(
  r: Pick<Rule, "count" | "confidence" | "lift">,
  smoothing = DEFAULT_SMOOTHING,
): number {
  if (!(r.confidence > 0) || !(r.lift > 0)) return 0;
  const prior = r.confidence / r.lift;
  return (r.count + smoothing * prior) / (r.count / r.confidence + smoothing);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const byScore = (a: ScoredItem, b: ScoredItem): number =>
  a.score !== b.score ? b.score - a.score : compareStrings(a.item, b.item);

/** The blended recommender (see the module doc). */
export class BlendRecommender {
  private readonly byFirst = new Map<string, Rule[]>();
  private readonly popular: { item: string; p: number }[];
  private readonly prior: Map<string, number>;
  private readonly k: number;
  private readonly values: ReadonlyMap<string, number> | undefined;
  private readonly defaultValue: number | null;
  private readonly useHistory: boolean;
  private popularByValue: { item: string; p: number; score: number }[] | undefined;

  constructor(rules: readonly Rule[], items: ItemCounts, opts: BlendOptions = {}) {
    this.k = opts.smoothing ?? DEFAULT_SMOOTHING;
    if (!(this.k >= 0)) throw new RangeError(`smoothing must be ≥ 0 (got ${this.k})`);
    const n = Math.max(1, items.transactions);
    this.prior = new Map([...items.counts].map(([item, c]) => [item, c / n]));
    this.popular = [...this.prior]
      .map(([item, p]) => ({ item, p }))
      .sort((a, b) => b.p - a.p || compareStrings(a.item, b.item));
    for (const r of rules) {
      const first = r.lhs[0]!;
      let list = this.byFirst.get(first);
      if (!list) this.byFirst.set(first, (list = []));
      list.push(r);
    }
    this.values = opts.values;
    this.defaultValue = opts.values ? median([...opts.values.values()]) : null;
    this.useHistory = opts.useHistory ?? true;
  }

  /** P(item) over the training orders (0 for unknown items). */
  popularity(item: string): number {
    return this.prior.get(item) ?? 0;
  }

  private value(item: string): number | null {
    if (!this.values) return null;
    return this.values.get(item) ?? this.defaultValue;
  }

  recommend(input: RecommendInput, limit = 5): ScoredItem[] {
    const inBasket = new Set(input.basket);
    const k = this.k;
    const best = new Map<string, { p: number; reason: Reason }>();
    const offer = (item: string, p: number, reason: Reason): void => {
      if (inBasket.has(item)) return;
      const cur = best.get(item);
      if (!cur || p > cur.p) best.set(item, { p, reason });
    };
    // Rules on the basket.
    for (const first of inBasket) {
      const list = this.byFirst.get(first);
      if (!list) continue;
      for (const r of list) {
        if (inBasket.has(r.rhs) || !(r.confidence > 0)) continue;
        let ok = true;
        for (let i = 1; i < r.lhs.length && ok; i++) ok = inBasket.has(r.lhs[i]!);
        if (!ok) continue;
        offer(r.rhs, blendProbability(r, k), { kind: "co-purchase", item: r.rhs, because: r.lhs.slice() });
      }
    }
    // The member's habits.
    const orders = input.history?.orders ?? [];
    if (this.useHistory && orders.length > 0) {
      const freq = new Map<string, { n: number; last: number }>();
      orders.forEach((o, idx) => {
        for (const item of new Set(o)) {
          const f = freq.get(item);
          if (f) {
            f.n++;
            f.last = idx;
          } else freq.set(item, { n: 1, last: idx });
        }
      });
      for (const [item, f] of freq) {
        if (f.n < HABIT_MIN_ORDERS) continue;
        const p = (f.n + k * this.popularity(item)) / (orders.length + k);
        const lapsed = orders.length - 1 - f.last >= LAPSED_AFTER_ORDERS;
        offer(item, p, { kind: lapsed ? "lapsed" : "habit", item });
      }
    }
    // Popularity floor: enough best sellers that `limit` of them survive the basket and the items above.
    const need = limit + inBasket.size + best.size;
    for (let i = 0; i < this.popular.length && i < need; i++) {
      const { item, p } = this.popular[i]!;
      offer(item, p, { kind: "popular", item });
    }
    const out: ScoredItem[] = [];
    for (const [item, { p, reason }] of best) {
      const value = this.value(item);
      out.push({ item, probability: p, value, score: value === null ? p : p * value, reason });
    }
    if (!this.values) return topK(out, limit);
    // Expected value: an item outside the candidates above scores its popularity × value, which does not depend
    // on the basket, so the best of that tail are the first few of a list sorted once.
    const byValue = (this.popularByValue ??= this.popular
      .map(({ item, p }) => ({ item, p, score: p * (this.value(item) ?? 0) }))
      .sort((a, b) => b.score - a.score || compareStrings(a.item, b.item)));
    let added = 0;
    for (let i = 0; i < byValue.length && added < limit + inBasket.size + best.size; i++) {
      const { item, p, score } = byValue[i]!;
      if (inBasket.has(item) || best.has(item)) continue;
      added++;
      out.push({ item, probability: p, value: this.value(item), score, reason: { kind: "popular", item } });
    }
    return topK(out, limit);
  }
}

function topK(items: ScoredItem[], k: number): ScoredItem[] {
  return items.sort(byScore).slice(0, Math.max(0, k));
}

/** Best sellers not in the basket (the baseline). */
export class PopularityRecommender {
  private readonly popular: string[];
  constructor(items: ItemCounts) {
    this.popular = [...items.counts].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0])).map(([i]) => i);
  }
  /** The `n` best sellers (for "share of recommendations that are merely top sellers"). */
  top(n: number): string[] {
    return this.popular.slice(0, n);
  }
  recommend(basket: Iterable<string>, limit = 5): string[] {
    const inBasket = new Set(basket);
    const out: string[] = [];
    for (let i = 0; i < this.popular.length && out.length < limit; i++) {
      if (!inBasket.has(this.popular[i]!)) out.push(this.popular[i]!);
    }
    return out;
  }
}
