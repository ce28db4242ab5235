/**
 * Offline evaluation of rule-based recommendations by holding out one item per basket. Pure, no I/O.
 *
 * Protocol:
 * 1. Eligible baskets have ≥ 2 distinct items. A deterministic share (`holdout`) of them is drawn with
 *    a seeded shuffle (mulberry32(seed)); for each, the held-out item is the item of its last row in
 *    file order.
 * 2. Rules are mined on the training set: every other basket unchanged, plus each test basket
 *    without its held-out item (all its rows of that item removed).
 * 3. For a test basket, the remaining distinct items are the context. Rule recommendations: every rule
 *    with lhs ⊆ context and rhs ∉ context, scored confidence × lift, best score per rhs, ranked by
 *    score desc then item name. Popularity baseline: the most frequent training items not in the
 *    context. "rules+popularity" fills the rule list up with the popularity list.
 * 4. hit@k = share of test baskets whose held-out item is in the top k; coverage = share of test
 *    baskets that got at least one recommendation from that method.
 */
import { compareStrings, mineTransactions, type MineOptions, type MineResult, type Rule } from "./mine.ts";
import { normalizeBaskets, type Transactions } from "./transactions.ts";
import { mulberry32 } from "../lib/random.ts";
export { mulberry32 };

export interface EvaluateOptions extends MineOptions {
  /** Share of eligible baskets held out, in (0, 1). Default 0.2. */
  holdout?: number;
  /** Seed for the deterministic draw. Default 42. */
  seed?: number;
  /** Mines the training set; defaults to `mineTransactions` (lets the CLI add progress). */
  mine?: (train: Transactions, opts: MineOptions) => MineResult;
}

export interface MethodScore {
  hitAt1: number;
  hitAt3: number;
  hitAt5: number;
  /** Share of test baskets with at least one recommendation. */
  coverage: number;
}

export interface EvaluateResult {
  transactions: number;
  /** Baskets with ≥ 2 distinct items. */
  eligible: number;
  testBaskets: number;
  /** Rules mined on the training set. */
  rules: number;
  methods: { rules: MethodScore; popularity: MethodScore; rulesWithPopularity: MethodScore };
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
    if (distinct >= 2) eligible.push(b);
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
  const heldOut = new Int32Array(n).fill(-1);
  const testBaskets = eligible.slice(0, testCount).sort((a, b) => a - b);
  for (const b of testBaskets) heldOut[b] = itemIds[offsets[b + 1]! - 1]!;

  // Training set: test baskets lose every row of their held-out item.
  const trainOffsets = new Int32Array(n + 1);
  const trainIds = new Int32Array(itemIds.length);
  let w = 0;
  for (let b = 0; b < n; b++) {
    const h = heldOut[b]!;
    for (let i = offsets[b]!; i < offsets[b + 1]!; i++) {
      const it = itemIds[i]!;
      if (it !== h) trainIds[w++] = it;
    }
    trainOffsets[b + 1] = w;
  }
  const train = normalizeBaskets({ items, offsets: trainOffsets, itemIds: trainIds.slice(0, w), normalized: false, rows: w });
  const mine = opts.mine ?? mineTransactions;
  const mined = mine(train, { minSupport: opts.minSupport, minConfidence: opts.minConfidence, maxLen: opts.maxLen, onProgress: opts.onProgress });

  // Popularity over the training set (distinct per basket).
  const popCount = new Int32Array(items.length);
  for (let i = 0, end = train.offsets[n]!; i < end; i++) popCount[train.itemIds[i]!]!++;
  const popular = Array.from({ length: items.length }, (_, i) => i)
    .filter((i) => popCount[i]! > 0)
    .sort((a, b) => popCount[b]! - popCount[a]! || compareStrings(items[a]!, items[b]!));

  const recommender = new RuleRecommender(mined.rules);
  const hits = { rules: [0, 0, 0, 0], popularity: [0, 0, 0, 0], rulesWithPopularity: [0, 0, 0, 0] };
  const score = (list: string[], target: string, acc: number[]): void => {
    const pos = list.indexOf(target);
    if (pos >= 0 && pos < 1) acc[0]!++;
    if (pos >= 0 && pos < 3) acc[1]!++;
    if (pos >= 0 && pos < 5) acc[2]!++;
    if (list.length > 0) acc[3]!++;
  };
  for (const b of testBaskets) {
    const context: string[] = [];
    const ctxIds = new Set<number>();
    for (let i = train.offsets[b]!; i < train.offsets[b + 1]!; i++) {
      ctxIds.add(train.itemIds[i]!);
      context.push(items[train.itemIds[i]!]!);
    }
    const target = items[heldOut[b]!]!;
    const byRules = recommender.recommend(context, 5).map((r) => r.item);
    const byPop: string[] = [];
    for (let i = 0; i < popular.length && byPop.length < 5; i++) if (!ctxIds.has(popular[i]!)) byPop.push(items[popular[i]!]!);
    const blended = byRules.slice();
    for (const it of byPop) if (blended.length < 5 && !blended.includes(it)) blended.push(it);
    score(byRules, target, hits.rules);
    score(byPop, target, hits.popularity);
    score(blended, target, hits.rulesWithPopularity);
  }
  const toScore = (acc: number[]): MethodScore => {
    const d = testCount || 1;
    return { hitAt1: acc[0]! / d, hitAt3: acc[1]! / d, hitAt5: acc[2]! / d, coverage: acc[3]! / d };
  };
  return {
    transactions: n,
    eligible: eligible.length,
    testBaskets: testCount,
    rules: mined.rules.length,
    methods: { rules: toScore(hits.rules), popularity: toScore(hits.popularity), rulesWithPopularity: toScore(hits.rulesWithPopularity) },
  };
}
