/**
 * Association-rule miner (Apriori), pure — no I/O.
 *
 * Definitions (as R's arules `apriori`, over N transactions = distinct orders):
 *   count(X)   = transactions containing every item of X (duplicate items in a basket count once)
 *   support    = count(lhs ∪ {rhs}) / N
 *   confidence = count(lhs ∪ {rhs}) / count(lhs)
 *   lift       = confidence / support({rhs})  (computed as count·N / (count(lhs)·count(rhs)), so equal
 *                ratios give bit-identical doubles)
 * A rule is emitted when support ≥ minSupport, confidence ≥ minConfidence and 2 ≤ |lhs| + 1 ≤ maxLen.
 *
 * Thresholds: support ≥ S is applied as count ≥ minCount = ⌈N·S⌉, the absolute threshold arules uses,
 * except that N·S is rounded down by a relative 1e-12 first so floating-point noise can't raise it
 * (100 × 0.07 = 7.000000000000001 in doubles; arules would then demand 8, we demand 7 — the exact
 * reading of "support ≥ 0.07"). For usual thresholds (0.001, 0.01, 0.05, …) both agree. Confidence
 * uses arules' own test, conf ≥ C − 1e-12.
 *
 * Ordering: items inside a lhs, and the tie-breaks of the rule order, use plain JavaScript string
 * comparison (UTF-16 code units). Rules are sorted by lift (as printed, 10 significant digits)
 * descending, then by the lhs string (items joined by "|"), then by rhs.
 *
 * Algorithm: items are interned to ints and the baskets are runs in one Int32Array (see
 * transactions.ts). Item counts use a "last basket seen" stamp per item, so repeats count once.
 * Infrequent items are then removed (Apriori: no itemset can be frequent if a subset isn't) and
 * frequent items renumbered in string order; each basket is copied as a sorted, deduplicated run of
 * those ranks (only baskets with ≥ 2 of them), so sorted id arrays are sorted itemsets. Pairs are counted in a flat Uint32Array triangular matrix (≤ 10,000 frequent items, at
 * most 200 MB and lazily touched) or an open-addressing hash table keyed by the item pair. Levels ≥ 3
 * generate candidates by joining frequent (k−1)-itemsets that share a prefix, prune those with an
 * infrequent subset, and count them with a prefix trie walked once per basket.
 */
import { roundForOutput } from "./number-format.ts";
import { IntBuffer, sortRange, transactionsFromBaskets, type Transactions } from "./transactions.ts";

export interface MineOptions {
  /** Minimum support S in (0, 1]; default 0.001. */
  minSupport?: number;
  /** Minimum confidence C in [0, 1]; default 0.05. */
  minConfidence?: number;
  /** Maximum items in a rule (lhs + rhs), ≥ 2; default 2. */
  maxLen?: number;
  /** Progress callback (called every few thousand baskets while counting). */
  onProgress?: (p: MineProgress) => void;
  /**
   * Pair counting structure: "auto" (default) uses the triangular matrix up to 10,000 frequent items
   * and a hash table beyond; "matrix"/"hash" force one (for tests and benchmarks).
   */
  pairCounting?: "auto" | "matrix" | "hash";
}

export interface MineProgress {
  /** e.g. "items", "pairs", "itemsets of 3". */
  phase: string;
  done: number;
  total: number;
}

export interface Rule {
  /** One or more items, sorted (JS string order). */
  lhs: string[];
  rhs: string;
  /** Transactions containing lhs ∪ {rhs}. */
  count: number;
  support: number;
  confidence: number;
  lift: number;
}

export interface MineStats {
  /** N: number of transactions (distinct orders, including single-item ones). */
  transactions: number;
  /** Distinct items. */
  items: number;
  /** Absolute support threshold used: an itemset needs count ≥ minCount. */
  minCount: number;
  /** Frequent itemsets found per size: [size 1, size 2, …]. */
  frequentItemsets: number[];
  /** Rules emitted. */
  rules: number;
}

export interface MineResult {
  rules: Rule[];
  stats: MineStats;
}

export const DEFAULT_MIN_SUPPORT = 0.001;
export const DEFAULT_MIN_CONFIDENCE = 0.05;
export const DEFAULT_MAX_LEN = 2;

const CONFIDENCE_EPSILON = 1e-12;
/** Above this many frequent items, pairs are counted in a hash table instead of a triangular matrix. */
const TRIANGULAR_MAX_ITEMS = 10_000;
const PROGRESS_EVERY = 1 << 14;

/** The absolute support threshold for `minSupport` over `n` transactions (see module doc). */
export function minCountFor(minSupport: number, n: number): number {
  return Math.max(1, Math.ceil(n * minSupport * (1 - 1e-12)));
}

/** Validates options; throws RangeError with a readable message. */
export function resolveOptions(opts: MineOptions): Required<Omit<MineOptions, "onProgress" | "pairCounting">> {
  const minSupport = opts.minSupport ?? DEFAULT_MIN_SUPPORT;
  const minConfidence = opts.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const maxLen = opts.maxLen ?? DEFAULT_MAX_LEN;
  if (!(minSupport > 0 && minSupport <= 1)) throw new RangeError(`minSupport must be in (0, 1] (got ${minSupport})`);
  if (!(minConfidence >= 0 && minConfidence <= 1))
    throw new RangeError(`minConfidence must be in [0, 1] (got ${minConfidence})`);
  if (!Number.isInteger(maxLen) || maxLen < 2) throw new RangeError(`maxLen must be an integer ≥ 2 (got ${maxLen})`);
  return { minSupport, minConfidence, maxLen };
}

/**
 * Mines rules from baskets given as item strings (e.g. orders loaded from the database). Each
 * iterable is one transaction; duplicates inside a basket count once; an empty basket still counts in N.
 */
export function mineBaskets(baskets: Iterable<Iterable<string>>, opts: MineOptions = {}): MineResult {
  resolveOptions(opts);
  return mineTransactions(transactionsFromBaskets(baskets), opts);
}

/** Compares rules in output order: lift (as printed) desc, then lhs string, then rhs. */
export function compareRules(a: Rule, b: Rule): number {
  const la = roundForOutput(a.lift);
  const lb = roundForOutput(b.lift);
  if (la !== lb) return la > lb ? -1 : 1;
  return compareStrings(a.lhs.join("|"), b.lhs.join("|")) || compareStrings(a.rhs, b.rhs);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A frequent itemset level: `sets` holds `size` ranks per itemset, lexicographically sorted. */
interface Level {
  size: number;
  sets: Int32Array;
  counts: Int32Array;
}

/**
 * Mines rules from loaded transactions (baskets may contain repeated items and be in any order).
 * `tx` is not modified.
 */
export function mineTransactions(tx: Transactions, opts: MineOptions = {}): MineResult {
  const { minSupport, minConfidence, maxLen } = resolveOptions(opts);
  const progress = opts.onProgress;
  const { offsets, itemIds, items } = tx;
  const n = offsets.length - 1;
  const minCount = minCountFor(minSupport, n);

  // Level 1: item counts (an item repeated within a basket counts once).
  const itemCount = new Int32Array(items.length);
  if (tx.normalized) {
    for (let i = 0, end = offsets[n]!; i < end; i++) itemCount[itemIds[i]!]!++;
  } else {
    const seenIn = new Int32Array(items.length).fill(-1);
    for (let b = 0; b < n; b++) {
      for (let i = offsets[b]!, end = offsets[b + 1]!; i < end; i++) {
        const it = itemIds[i]!;
        if (seenIn[it] !== b) {
          seenIn[it] = b;
          itemCount[it]!++;
        }
      }
    }
  }
  const freqIds: number[] = [];
  for (let id = 0; id < items.length; id++) if (itemCount[id]! >= minCount) freqIds.push(id);
  freqIds.sort((a, b) => compareStrings(items[a]!, items[b]!));
  const f = freqIds.length;
  const rankOf = new Int32Array(items.length).fill(-1);
  const names: string[] = new Array<string>(f);
  const rankCount = new Int32Array(f);
  for (let r = 0; r < f; r++) {
    const id = freqIds[r]!;
    rankOf[id] = r;
    names[r] = items[id]!;
    rankCount[r] = itemCount[id]!;
  }
  const stats: MineStats = { transactions: n, items: items.length, minCount, frequentItemsets: [f], rules: 0 };
  if (f < 2) return { rules: [], stats };

  // Baskets restricted to frequent items (as ranks), only those with ≥ 2 of them.
  let { offsets: bOff, items: bItems } = restrictBaskets(offsets, itemIds, rankOf, 2);

  const levels: Level[] = [];
  const useMatrix = opts.pairCounting === "matrix" || (opts.pairCounting !== "hash" && f <= TRIANGULAR_MAX_ITEMS);
  const pairs = countPairs(bOff, bItems, f, minCount, useMatrix, progress);
  levels.push(pairs);
  stats.frequentItemsets.push(pairs.counts.length);

  // Levels ≥ 3.
  let prev = pairs;
  for (let k = 3; k <= maxLen && prev.counts.length > 0; k++) {
    const cands = generateCandidates(prev);
    if (cands.length === 0) break;
    // Drop items that are in no frequent (k−1)-itemset, and baskets too short for k items.
    const active = new Int32Array(f).fill(-1);
    for (let i = 0; i < prev.sets.length; i++) active[prev.sets[i]!] = prev.sets[i]!;
    ({ offsets: bOff, items: bItems } = restrictBaskets(bOff, bItems, active, k));
    const level = countCandidates(cands, k, bOff, bItems, minCount, progress);
    if (level.counts.length === 0) break;
    levels.push(level);
    stats.frequentItemsets.push(level.counts.length);
    prev = level;
  }

  // Counts of frequent itemsets of size ≥ 2 (lhs lookups for rules of 3+ items).
  const setCount = new Map<string, number>();
  if (levels.length > 1) {
    for (const lv of levels.slice(0, -1)) {
      for (let s = 0; s < lv.counts.length; s++) setCount.set(keyOf(lv.sets, s * lv.size, lv.size), lv.counts[s]!);
    }
  }

  // Rules.
  const rules: Rule[] = [];
  const minConf = minConfidence - CONFIDENCE_EPSILON;
  const lhsBuf: number[] = [];
  for (const lv of levels) {
    const k = lv.size;
    for (let s = 0; s < lv.counts.length; s++) {
      const base = s * k;
      const c = lv.counts[s]!;
      for (let r = 0; r < k; r++) {
        const rhs = lv.sets[base + r]!;
        lhsBuf.length = 0;
        for (let i = 0; i < k; i++) if (i !== r) lhsBuf.push(lv.sets[base + i]!);
        const lhsCount = k === 2 ? rankCount[lhsBuf[0]!]! : setCount.get(lhsBuf.join(","))!;
        const confidence = c / lhsCount;
        if (!(confidence >= minConf)) continue;
        rules.push({
          lhs: lhsBuf.map((x) => names[x]!),
          rhs: names[rhs]!,
          count: c,
          support: c / n,
          confidence,
          lift: (c * n) / (lhsCount * rankCount[rhs]!),
        });
      }
    }
  }
  sortRules(rules);
  stats.rules = rules.length;
  return { rules, stats };
}

/** Sorts rules in output order (see `compareRules`), computing each sort key once. */
export function sortRules(rules: Rule[]): Rule[] {
  const keyed = rules.map((r) => ({ r, lift: roundForOutput(r.lift), lhs: r.lhs.join("|") }));
  keyed.sort((a, b) => {
    if (a.lift !== b.lift) return a.lift > b.lift ? -1 : 1;
    return compareStrings(a.lhs, b.lhs) || compareStrings(a.r.rhs, b.r.rhs);
  });
  for (let i = 0; i < keyed.length; i++) rules[i] = keyed[i]!.r;
  return rules;
}

function keyOf(a: Int32Array, from: number, len: number): string {
  let s = String(a[from]);
  for (let i = 1; i < len; i++) s += "," + a[from + i];
  return s;
}

/**
 * Maps each basket's ids through `map` (−1 = drop), sorts and deduplicates, and keeps baskets with
 * ≥ `minItems` distinct items.
 */
function restrictBaskets(
  offsets: Int32Array,
  ids: Int32Array,
  map: Int32Array,
  minItems: number,
): { offsets: Int32Array; items: Int32Array } {
  const n = offsets.length - 1;
  let total = 0;
  let kept = 0;
  for (let b = 0; b < n; b++) {
    let k = 0;
    for (let i = offsets[b]!, end = offsets[b + 1]!; i < end; i++) if (map[ids[i]!]! >= 0) k++;
    if (k >= minItems) {
      total += k;
      kept++;
    }
  }
  let outOff = new Int32Array(kept + 1);
  let out = new Int32Array(total);
  let w = 0;
  let nb = 0;
  for (let b = 0; b < n; b++) {
    const start = w;
    for (let i = offsets[b]!, end = offsets[b + 1]!; i < end; i++) {
      const m = map[ids[i]!]!;
      if (m >= 0) out[w++] = m;
    }
    if (w - start >= minItems) {
      sortRange(out, start, w);
      // Drop duplicates (input baskets may repeat an item).
      let d = start + 1;
      for (let i = start + 1; i < w; i++) if (out[i] !== out[d - 1]) out[d++] = out[i]!;
      w = d;
    }
    if (w - start >= minItems) outOff[++nb] = w;
    else w = start;
  }
  if (nb < kept) outOff = outOff.slice(0, nb + 1);
  if (w < total) out = out.slice(0, w);
  return { offsets: outOff, items: out };
}

/** Counts all pairs of frequent items; returns the frequent pairs (sorted). */
function countPairs(
  offsets: Int32Array,
  items: Int32Array,
  f: number,
  minCount: number,
  useMatrix: boolean,
  progress: ((p: MineProgress) => void) | undefined,
): Level {
  const nb = offsets.length - 1;
  const outSets = new IntBuffer();
  const outCounts = new IntBuffer();
  if (useMatrix) {
    // idx(a, b) for a < b = rowBase[a] + b.
    const tri = new Uint32Array((f * (f - 1)) / 2);
    const rowBase = new Int32Array(f);
    for (let a = 0; a < f; a++) rowBase[a] = a * f - (a * (a + 1)) / 2 - a - 1;
    for (let b = 0; b < nb; b++) {
      const end = offsets[b + 1]!;
      for (let i = offsets[b]!; i < end - 1; i++) {
        const base = rowBase[items[i]!]!;
        for (let j = i + 1; j < end; j++) tri[base + items[j]!]!++;
      }
      if ((b & (PROGRESS_EVERY - 1)) === 0 && progress) progress({ phase: "pairs", done: b, total: nb });
    }
    for (let a = 0; a < f - 1; a++) {
      const base = rowBase[a]!;
      for (let c = a + 1; c < f; c++) {
        const cnt = tri[base + c]!;
        if (cnt >= minCount) {
          outSets.push(a);
          outSets.push(c);
          outCounts.push(cnt);
        }
      }
    }
  } else {
    const table = new PairTable();
    for (let b = 0; b < nb; b++) {
      const end = offsets[b + 1]!;
      for (let i = offsets[b]!; i < end - 1; i++) {
        const a = items[i]!;
        for (let j = i + 1; j < end; j++) table.increment(a, items[j]!);
      }
      if ((b & (PROGRESS_EVERY - 1)) === 0 && progress) progress({ phase: "pairs", done: b, total: nb });
    }
    const found = table.entriesAtLeast(minCount);
    for (const [a, c, cnt] of found) {
      outSets.push(a);
      outSets.push(c);
      outCounts.push(cnt);
    }
  }
  progress?.({ phase: "pairs", done: nb, total: nb });
  return { size: 2, sets: outSets.toArray(), counts: outCounts.toArray() };
}

/** Open-addressing hash table of pair counts keyed by (a, b). */
class PairTable {
  private keysA = new Int32Array(1 << 16);
  private keysB = new Int32Array(1 << 16);
  private counts = new Int32Array(1 << 16);
  private mask = (1 << 16) - 1;
  private size = 0;

  increment(a: number, b: number): void {
    let slot = pairHash(a, b) & this.mask;
    for (;;) {
      const c = this.counts[slot]!;
      if (c === 0) break;
      if (this.keysA[slot] === a && this.keysB[slot] === b) {
        this.counts[slot] = c + 1;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    this.keysA[slot] = a;
    this.keysB[slot] = b;
    this.counts[slot] = 1;
    if (++this.size * 2 > this.counts.length) this.grow();
  }

  private grow(): void {
    const { keysA, keysB, counts } = this;
    const cap = counts.length * 2;
    this.keysA = new Int32Array(cap);
    this.keysB = new Int32Array(cap);
    this.counts = new Int32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      let slot = pairHash(keysA[i]!, keysB[i]!) & this.mask;
      while (this.counts[slot] !== 0) slot = (slot + 1) & this.mask;
      this.keysA[slot] = keysA[i]!;
      this.keysB[slot] = keysB[i]!;
      this.counts[slot] = c;
    }
  }

  /** [a, b, count] with count ≥ min, sorted by (a, b). */
  entriesAtLeast(min: number): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i]!;
      if (c >= min && c > 0) out.push([this.keysA[i]!, this.keysB[i]!, c]);
    }
    out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    return out;
  }
}

function pairHash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ b;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

/**
 * Apriori candidate generation: joins frequent (k−1)-itemsets sharing their first k−2 items, keeps
 * a candidate only if all its (k−1)-subsets are frequent. Output is lexicographically sorted.
 */
function generateCandidates(prev: Level): Int32Array {
  const m = prev.size;
  const total = prev.counts.length;
  const sets = prev.sets;
  const known = new Set<string>();
  for (let s = 0; s < total; s++) known.add(keyOf(sets, s * m, m));
  const out = new IntBuffer();
  const cand = new Int32Array(m + 1);
  const sub = new Int32Array(m);
  let i = 0;
  while (i < total) {
    // Group [i, j): same first m−1 items.
    let j = i + 1;
    while (j < total && samePrefix(sets, i * m, j * m, m - 1)) j++;
    for (let x = i; x < j; x++) {
      for (let y = x + 1; y < j; y++) {
        for (let t = 0; t < m; t++) cand[t] = sets[x * m + t]!;
        cand[m] = sets[y * m + m - 1]!;
        // Subsets dropping one of the first m−1 items (dropping the last two gives x and y).
        let ok = true;
        for (let drop = 0; drop < m - 1 && ok; drop++) {
          let w = 0;
          for (let t = 0; t <= m; t++) if (t !== drop) sub[w++] = cand[t]!;
          if (!known.has(keyOf(sub, 0, m))) ok = false;
        }
        if (ok) for (let t = 0; t <= m; t++) out.push(cand[t]!);
      }
    }
    i = j;
  }
  return out.toArray();
}

function samePrefix(a: Int32Array, x: number, y: number, len: number): boolean {
  for (let t = 0; t < len; t++) if (a[x + t] !== a[y + t]) return false;
  return true;
}

/** Prefix-trie node: sorted child keys; internal nodes have kids, last-level nodes have counters. */
interface TrieNode {
  keys: Int32Array;
  kids: TrieNode[];
  /** At depth k−1: counter per key. */
  counts: Int32Array | null;
}

interface BuildNode {
  keys: number[];
  kids: BuildNode[];
}

/** Counts k-item candidates (`cands`, k ranks each, sorted) over the baskets; returns the frequent ones. */
function countCandidates(
  cands: Int32Array,
  k: number,
  offsets: Int32Array,
  items: Int32Array,
  minCount: number,
  progress: ((p: MineProgress) => void) | undefined,
): Level {
  const nc = cands.length / k;
  // Build the trie (input is sorted, so each node only ever appends keys).
  const root: BuildNode = { keys: [], kids: [] };
  for (let c = 0; c < nc; c++) {
    let node = root;
    for (let d = 0; d < k - 1; d++) {
      const key = cands[c * k + d]!;
      const last = node.keys.length - 1;
      if (last < 0 || node.keys[last] !== key) {
        node.keys.push(key);
        node.kids.push({ keys: [], kids: [] });
      }
      node = node.kids[node.keys.length - 1]!;
    }
    node.keys.push(cands[c * k + k - 1]!);
  }
  const freeze = (b: BuildNode, depth: number): TrieNode => ({
    keys: Int32Array.from(b.keys),
    kids: depth < k - 1 ? b.kids.map((kid) => freeze(kid, depth + 1)) : [],
    counts: depth === k - 1 ? new Int32Array(b.keys.length) : null,
  });
  const trie = freeze(root, 0);

  const walk = (node: TrieNode, from: number, end: number, depth: number): void => {
    const keys = node.keys;
    const nk = keys.length;
    let j = 0;
    if (depth === k - 1) {
      const counts = node.counts!;
      for (let i = from; i < end && j < nk; i++) {
        j = lowerBound(keys, items[i]!, j, nk);
        if (j < nk && keys[j] === items[i]) counts[j]!++;
      }
      return;
    }
    const last = end - (k - depth) + 1; // need k − depth more items including this one
    for (let i = from; i < last && j < nk; i++) {
      j = lowerBound(keys, items[i]!, j, nk);
      if (j < nk && keys[j] === items[i]) walk(node.kids[j]!, i + 1, end, depth + 1);
    }
  };

  const nb = offsets.length - 1;
  const phase = `itemsets of ${k}`;
  for (let b = 0; b < nb; b++) {
    walk(trie, offsets[b]!, offsets[b + 1]!, 0);
    if ((b & (PROGRESS_EVERY - 1)) === 0 && progress) progress({ phase, done: b, total: nb });
  }
  progress?.({ phase, done: nb, total: nb });

  // Collect frequent candidates in trie order (= sorted order).
  const outSets = new IntBuffer();
  const outCounts = new IntBuffer();
  const path = new Int32Array(k);
  const collect = (node: TrieNode, depth: number): void => {
    for (let j = 0; j < node.keys.length; j++) {
      path[depth] = node.keys[j]!;
      if (depth === k - 1) {
        const c = node.counts![j]!;
        if (c >= minCount) {
          for (let t = 0; t < k; t++) outSets.push(path[t]!);
          outCounts.push(c);
        }
      } else collect(node.kids[j]!, depth + 1);
    }
  };
  collect(trie, 0);
  return { size: k, sets: outSets.toArray(), counts: outCounts.toArray() };
}

/** First index in keys[from, to) with keys[idx] ≥ v. */
function lowerBound(keys: Int32Array, v: number, from: number, to: number): number {
  // Gallop a few steps linearly first (keys and basket items are both increasing).
  if (from < to && keys[from]! >= v) return from;
  let lo = from + 1;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
