/**
 * Offline evaluation of recommendations by holding out one item per basket. Pure, no I/O.
 *
 * Random split (always):
 * 1. Eligible baskets have ≥ 2 distinct items. A deterministic share (`holdout`) of them is drawn with
 *    a seeded shuffle (mulberry32(seed)); for each, the held-out item is the item of its last row in
 *    file order (or, with `hide: "random"`, one of its distinct items drawn with the seed).
 * 2. Rules are mined on the training set: every other basket unchanged, plus each test basket
 *    without its held-out item (all its rows of that item removed).
 * Time split: baskets sorted by `placed_at` (when every basket has one; else file order, e.g. Groceries, whose
 * order ids follow the till); the latest `holdout` share of them is the test period; rules and popularity come
 * from the earlier baskets only (what a model built before the test period knows); eligible test-period baskets
 * lose an item as above.
 *
 * For a test basket, the remaining distinct items are the context. Methods (see recommender.ts):
 *   rules                every rule with lhs ⊆ context, rhs ∉ context, scored confidence × lift (best per item)
 *   popularity           the most frequent training items not in the context
 *   rulesWithPopularity  the blend: max of rule confidences shrunk toward popularity, popularity as the floor
 *   memberHistory        the blend plus the member's earlier orders (only when the input has members)
 *   expectedValue        memberHistory (or the blend) ranked by probability × value (only with prices/margins)
 *   reference            (opt-in) a softmax regression fitted to this very task (softmax.ts): how much signal the
 *                        data holds beyond popularity; reported, never chosen
 * Metrics per method: hit@k = share of test baskets whose held-out item is in the top k (k = 1, 3, 5);
 * mrr = mean 1/rank of the held-out item within the top 5 (0 outside); coverage = share of test baskets with
 * any recommendation; catalogCoverage = distinct items ever recommended (top 5) / items in training;
 * topSellerShare = share of recommended slots taken by the 10 best sellers; marginAt5 = mean value of the
 * held-out item when it is in the top 5 (null when values are unknown).
 * `chosen` is the method with the best hit@5 on the time split when there is one, else on the random split
 * (expectedValue, which trades hits for margin, is reported but not chosen by hits).
 */
import { compareStrings, mineTransactions, type MineOptions, type MineResult, type Rule } from "./mine.ts";
import { normalizeBaskets, type Transactions } from "./transactions.ts";
import { BlendRecommender, PopularityRecommender, type MemberHistory } from "./recommender.ts";
import { mulberry32 } from "../lib/random.ts";
import { SoftmaxReference } from "./softmax.ts";
export { mulberry32 };

/** Per-basket facts beyond the items (from the optional CSV columns), indexed like the baskets. */
export interface BasketFacts {
  /** Member key per basket (null: guest / unknown). */
  member?: (string | null)[] | undefined;
  /** placed_at per basket, ms since the epoch (NaN: unknown). */
  placedAt?: Float64Array | undefined;
  /** Item → value (margin, or unit price when no margin is known). */
  values?: Map<string, number> | undefined;
  valueSource?: "margin" | "unit_price" | undefined;
}

export interface EvaluateOptions extends MineOptions {
  /** Share of eligible baskets held out, in (0, 1). Default 0.2. */
  holdout?: number;
  /** Seed for the deterministic draw. Default 42. */
  seed?: number;
  /** Mines the training set; defaults to `mineTransactions` (lets the CLI add progress). */
  mine?: (train: Transactions, opts: MineOptions) => MineResult;
  facts?: BasketFacts | undefined;
  /** Which item a test basket loses: its last row's (default), or one drawn with the seed (the file's item
   *  order may carry meaning, e.g. Groceries lists items by department, so "last" is mostly non-food). */
  hide?: "last" | "random";
  /** Smoothing (pseudo-orders) of the blend; default DEFAULT_SMOOTHING. */
  smoothing?: number;
  /** Also fit the learned reference (softmax.ts) and report it as `reference` (never chosen). */
  reference?: boolean;
}

export interface MethodScore {
  hitAt1: number;
  hitAt3: number;
  hitAt5: number;
  /** Share of test baskets with at least one recommendation. */
  coverage: number;
  mrr: number;
  catalogCoverage: number;
  topSellerShare: number;
  marginAt5: number | null;
}

export type MethodName = "rules" | "popularity" | "rulesWithPopularity" | "memberHistory" | "expectedValue";

export interface SplitResult {
  testBaskets: number;
  /** Training baskets (time split: those before the test period). */
  trainBaskets: number;
  rules: number;
  methods: { rules: MethodScore; popularity: MethodScore; rulesWithPopularity: MethodScore } & Partial<
    Record<"memberHistory" | "expectedValue" | "reference", MethodScore>
  >;
}

export interface EvaluateResult {
  transactions: number;
  /** Baskets with ≥ 2 distinct items. */
  eligible: number;
  testBaskets: number;
  /** Rules mined on the training set. */
  rules: number;
  methods: SplitResult["methods"];
  /** The time-based split: by placed_at when every basket has one, else by file order (Groceries' order_id is
   *  its till order); null when there is nothing to test. */
  timeSplit: (SplitResult & { by: "placed_at" | "file order"; from: string }) | null;
  /** The winner (see the module doc): the default model. */
  chosen: MethodName;
}

export interface Recommendation {
  item: string;
  score: number;
}

/**
 * A rule index for recommending: `recommend(basket)` returns up to `k` items (rules with lhs ⊆ basket,
 * rhs ∉ basket), scored confidence × lift, best score per item, ranked by score desc then item name.
 */
export class RuleRecommender {
  private readonly byFirst = new Map<string, Rule[]>();

  constructor(rules: readonly Rule[]) {
    for (const r of rules) {
      const first = r.lhs[0]!;
      let list = this.byFirst.get(first);
      if (!list) this.byFirst.set(first, (list = []));
      list.push(r);
    }
  }

  recommend(basket: Iterable<string>, k = 5): Recommendation[] {
    const inBasket = new Set(basket);
    const best = new Map<string, number>();
    for (const item of inBasket) {
      const list = this.byFirst.get(item);
      if (!list) continue;
      for (const r of list) {
        if (inBasket.has(r.rhs)) continue;
        let ok = true;
        for (let i = 1; i < r.lhs.length && ok; i++) ok = inBasket.has(r.lhs[i]!);
        if (!ok) continue;
        const score = r.confidence * r.lift;
        const prev = best.get(r.rhs);
        if (prev === undefined || score > prev) best.set(r.rhs, score);
      }
    }
    return [...best]
      .map(([item, score]) => ({ item, score }))
      .sort((a, b) => (a.score !== b.score ? b.score - a.score : compareStrings(a.item, b.item)))
      .slice(0, k);
  }
}

interface Split {
  /** Test baskets, ascending. */
  test: number[];
  /** Baskets (other than test ones) in training. */
  inTrain: (b: number) => boolean;
  /** Test baskets' contexts are part of training (random split) or not (time split). */
  contextsInTrain: boolean;
}

/** Distinct items of basket b in file order of their last row; the held-out item is the last one. */
function distinctItems(tx: Transactions, b: number): number[] {
  const out: number[] = [];
  for (let i = tx.offsets[b]!; i < tx.offsets[b + 1]!; i++) {
    const it = tx.itemIds[i]!;
    const p = out.indexOf(it);
    if (p >= 0) out.splice(p, 1);
    out.push(it);
  }
  return out;
}

/** Training transactions for a split: test baskets without their held-out item (or left out). */
function trainingSet(tx: Transactions, split: Split, heldOut: Int32Array): { train: Transactions; baskets: number } {
  const n = tx.offsets.length - 1;
  const offsets = new Int32Array(n + 1);
  const ids = new Int32Array(tx.itemIds.length);
  let w = 0;
  let baskets = 0;
  for (let b = 0; b < n; b++) {
    const h = heldOut[b]!;
    const keep = h >= 0 ? split.contextsInTrain : split.inTrain(b);
    if (keep) {
      baskets++;
      for (let i = tx.offsets[b]!; i < tx.offsets[b + 1]!; i++) if (tx.itemIds[i] !== h) ids[w++] = tx.itemIds[i]!;
    }
    offsets[b + 1] = w;
  }
  // Baskets left out stay as empty runs so basket numbers still match; N counts only kept baskets below.
  const train = normalizeBaskets({ items: tx.items, offsets, itemIds: ids.slice(0, w), normalized: false, rows: w });
  return { train, baskets };
}

/** Drops the empty runs of left-out baskets (they would count in N). */
function compact(train: Transactions, keep: (b: number) => boolean): Transactions {
  const n = train.offsets.length - 1;
  const offsets: number[] = [0];
  for (let b = 0; b < n; b++) if (keep(b)) offsets.push(train.offsets[b + 1]!);
  const out = new Int32Array(offsets.length);
  // Runs of dropped baskets are empty, so the kept runs are already back to back.
  offsets.forEach((o, i) => (out[i] = o));
  return { ...train, offsets: out };
}

interface Acc {
  hits: [number, number, number];
  rr: number;
  any: number;
  slots: number;
  topSlots: number;
  value: number;
  seen: Set<string>;
}

const newAcc = (): Acc => ({ hits: [0, 0, 0], rr: 0, any: 0, slots: 0, topSlots: 0, value: 0, seen: new Set() });

function record(acc: Acc, list: string[], target: string, top: Set<string>, value: number | null): void {
  const pos = list.indexOf(target);
  if (pos === 0) acc.hits[0]++;
  if (pos >= 0 && pos < 3) acc.hits[1]++;
  if (pos >= 0 && pos < 5) {
    acc.hits[2]++;
    acc.rr += 1 / (pos + 1);
    acc.value += value ?? 0;
  }
  if (list.length > 0) acc.any++;
  for (const it of list) {
    acc.slots++;
    if (top.has(it)) acc.topSlots++;
    acc.seen.add(it);
  }
}

function toScore(acc: Acc, tests: number, catalog: number, withValues: boolean): MethodScore {
  const d = tests || 1;
  return {
    hitAt1: acc.hits[0] / d,
    hitAt3: acc.hits[1] / d,
    hitAt5: acc.hits[2] / d,
    coverage: acc.any / d,
    mrr: acc.rr / d,
    catalogCoverage: acc.seen.size / (catalog || 1),
    topSellerShare: acc.topSlots / (acc.slots || 1),
    marginAt5: withValues ? acc.value / d : null,
  };
}

/** The member's orders before basket b (by time when known, else file order), most recent 50. */
function historyLookup(
  tx: Transactions,
  facts: BasketFacts | undefined,
): ((b: number) => MemberHistory | undefined) | null {
  const member = facts?.member;
  if (!member?.some((m) => m !== null)) return null;
  const t = facts?.placedAt;
  const key = (b: number): number => (t && !Number.isNaN(t[b]!) ? t[b]! : b);
  const byMember = new Map<string, number[]>();
  member.forEach((m, b) => {
    if (m === null) return;
    let list = byMember.get(m);
    if (!list) byMember.set(m, (list = []));
    list.push(b);
  });
  for (const list of byMember.values()) list.sort((a, b) => key(a) - key(b) || a - b);
  return (b) => {
    const m = member[b];
    if (m == null) return undefined;
    const list = byMember.get(m)!;
    const orders: string[][] = [];
    for (const o of list) {
      if (o === b || !(key(o) < key(b) || (key(o) === key(b) && o < b))) continue;
      orders.push(distinctItems(tx, o).map((i) => tx.items[i]!));
    }
    return { orders: orders.slice(-50) };
  };
}

function runSplit(tx: Transactions, split: Split, opts: EvaluateOptions): SplitResult {
  const { items } = tx;
  const n = tx.offsets.length - 1;
  const heldOut = new Int32Array(n).fill(-1);
  const draw = opts.hide === "random" ? mulberry32((opts.seed ?? 42) ^ 0x5bd1e995) : null;
  for (const b of split.test) {
    const d = distinctItems(tx, b);
    heldOut[b] = d[draw ? Math.floor(draw() * d.length) : d.length - 1]!;
  }
  const built = trainingSet(tx, split, heldOut);
  const keep = (b: number): boolean => (heldOut[b]! >= 0 ? split.contextsInTrain : split.inTrain(b));
  const train = built.baskets === n ? built.train : compact(built.train, keep);
  const mine = opts.mine ?? mineTransactions;
  const { minSupport, minConfidence, maxLen, onProgress } = opts;
  const mined = mine(train, { minSupport, minConfidence, maxLen, onProgress });

  const counts = new Map<string, number>();
  for (let i = 0, end = train.offsets[train.offsets.length - 1]!; i < end; i++) {
    const it = items[train.itemIds[i]!]!;
    counts.set(it, (counts.get(it) ?? 0) + 1);
  }
  const itemCounts = { transactions: built.baskets, counts };
  const values = opts.facts?.values;
  const popularity = new PopularityRecommender(itemCounts);
  const top = new Set(popularity.top(10));
  const rules = new RuleRecommender(mined.rules);
  const blend = new BlendRecommender(mined.rules, itemCounts, { smoothing: opts.smoothing, useHistory: false });
  const history = historyLookup(tx, opts.facts);
  const withHistory = history ? new BlendRecommender(mined.rules, itemCounts, { smoothing: opts.smoothing }) : null;
  const byValue = values
    ? new BlendRecommender(mined.rules, itemCounts, { smoothing: opts.smoothing, values, useHistory: history !== null })
    : null;

  const acc = {
    rules: newAcc(),
    popularity: newAcc(),
    rulesWithPopularity: newAcc(),
    memberHistory: newAcc(),
    expectedValue: newAcc(),
    reference: newAcc(),
  };
  const itemsOf = (recs: { item: string }[]) => recs.map((r) => r.item);
  const reference = opts.reference ? new SoftmaxReference(train, { seed: opts.seed }) : null;
  for (const b of split.test) {
    const target = items[heldOut[b]!]!;
    const context = distinctItems(tx, b)
      .filter((i) => i !== heldOut[b])
      .map((i) => items[i]!);
    const value = values?.get(target) ?? null;
    const hist = history?.(b);
    // Every method's top 5 for this basket, scored against the same held-out item.
    const score5 = (a: Acc, list: string[]) => record(a, list, target, top, value);
    score5(acc.rules, itemsOf(rules.recommend(context, 5)));
    score5(acc.popularity, popularity.recommend(context, 5));
    score5(acc.rulesWithPopularity, itemsOf(blend.recommend({ basket: context }, 5)));
    const input = { basket: context, history: hist };
    if (withHistory) score5(acc.memberHistory, itemsOf(withHistory.recommend(input, 5)));
    if (reference) score5(acc.reference, reference.recommend(context, 5));
    if (byValue) score5(acc.expectedValue, itemsOf(byValue.recommend(input, 5)));
  }
  const tests = split.test.length;
  const score = (a: Acc): MethodScore => toScore(a, tests, counts.size, values !== undefined);
  const methods: SplitResult["methods"] = {
    rules: score(acc.rules),
    popularity: score(acc.popularity),
    rulesWithPopularity: score(acc.rulesWithPopularity),
  };
  if (withHistory) methods.memberHistory = score(acc.memberHistory);
  if (byValue) methods.expectedValue = score(acc.expectedValue);
  if (reference) methods.reference = score(acc.reference);
  return { testBaskets: tests, trainBaskets: built.baskets, rules: mined.rules.length, methods };
}

/** The method with the best hit@5 (ties: the blend, then history, rules, popularity). */
export function chooseMethod(methods: SplitResult["methods"]): MethodName {
  const order: MethodName[] = ["rulesWithPopularity", "memberHistory", "rules", "popularity"];
  let best: MethodName = "rulesWithPopularity";
  for (const m of order) {
    const s = methods[m];
    if (s && s.hitAt5 > methods[best]!.hitAt5) best = m;
  }
  return best;
}

/**
 * Runs the hold-out evaluation. `tx` must be in file order (as `loadTransactionsCsv` returns it, not
 * normalized), so that "the last row" of a basket is known.
 */
export function evaluateHoldout(tx: Transactions, opts: EvaluateOptions = {}): EvaluateResult {
  if (tx.normalized) throw new Error("evaluateHoldout needs transactions in file order (not normalized)");
  const holdout = opts.holdout ?? 0.2;
  if (!(holdout > 0 && holdout < 1)) throw new RangeError(`holdout must be in (0, 1) (got ${holdout})`);
  const seed = opts.seed ?? 42;
  const { offsets, itemIds, items } = tx;
  const n = offsets.length - 1;

  // Eligible baskets: ≥ 2 distinct items.
  const stamp = new Int32Array(items.length);
  const isEligible = new Uint8Array(n);
  const eligible: number[] = [];
  for (let b = 0; b < n; b++) {
    let distinct = 0;
    for (let i = offsets[b]!; i < offsets[b + 1]!; i++) {
      const it = itemIds[i]!;
      if (stamp[it] !== b + 1) {
        stamp[it] = b + 1;
        distinct++;
      }
    }
    if (distinct >= 2) {
      eligible.push(b);
      isEligible[b] = 1;
    }
  }
  const testCount = eligible.length === 0 ? 0 : Math.max(1, Math.round(holdout * eligible.length));
  // Seeded partial Fisher–Yates: the first testCount entries are the test baskets.
  const rand = mulberry32(seed);
  for (let i = 0; i < testCount; i++) {
    const j = i + Math.floor(rand() * (eligible.length - i));
    const t = eligible[i]!;
    eligible[i] = eligible[j]!;
    eligible[j] = t;
  }
  const randomTest = eligible.slice(0, testCount).sort((a, b) => a - b);
  const random = runSplit(tx, { test: randomTest, inTrain: () => true, contextsInTrain: true }, opts);

  let timeSplit: EvaluateResult["timeSplit"] = null;
  const t = opts.facts?.placedAt;
  const timed = t !== undefined && t.every((x) => !Number.isNaN(x));
  if (n > 1) {
    // Latest `holdout` share of baskets (by placed_at when every basket has one, else file order) = the test period.
    const byTime = Array.from({ length: n }, (_, b) => b);
    if (timed) byTime.sort((a, b) => t[a]! - t[b]! || a - b);
    const cut = Math.max(1, Math.min(n - 1, Math.round(n * (1 - holdout))));
    const inTest = new Uint8Array(n);
    for (let i = cut; i < n; i++) inTest[byTime[i]!] = 1;
    const test = byTime
      .slice(cut)
      .filter((b) => isEligible[b] === 1)
      .sort((a, b) => a - b);
    if (test.length > 0) {
      const r = runSplit(tx, { test, inTrain: (b) => inTest[b] === 0, contextsInTrain: false }, opts);
      const first = byTime[cut]!;
      const from = timed ? new Date(t[first]!).toISOString() : `order #${first + 1} in file order`;
      timeSplit = { ...r, by: timed ? "placed_at" : "file order", from };
    }
  }
  return {
    transactions: n,
    eligible: eligible.length,
    testBaskets: testCount,
    rules: random.rules,
    methods: random.methods,
    timeSplit,
    chosen: chooseMethod(timeSplit?.methods ?? random.methods),
  };
}
