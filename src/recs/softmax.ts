/**
 * A learned reference for the offline evaluation, not a production model: multinomial logistic regression that
 * predicts the missing item of a basket from the items present, trained by sparse SGD on every leave-one-out
 * sample of the training baskets. Pure, no I/O, deterministic for a seed.
 *
 * Why it exists: the rule blend and popularity are hand-built estimators; this one is fitted directly to the
 * evaluation's task (which item completes this basket), so it shows how much signal a data set holds beyond
 * popularity. When it cannot beat popularity by much either, no ranking of the same data will (see
 * docs/recommendations-evaluation.md). It learns an items × items weight matrix, so `recs evaluate --reference`
 * refuses catalogs larger than MAX_REFERENCE_ITEMS.
 *
 * Model: score(j | context) = b_j + V[size][j] + Σ_{c ∈ context} W[c][j], softmax over items not in the context;
 * V is a bias per context-size bucket (large baskets add other things than small ones); b starts at log P(j)
 * (popularity), V and W at 0, so an untrained model ranks exactly like popularity.
 */
import { mulberry32 } from "../lib/random.ts";
import type { Transactions } from "./transactions.ts";

export const MAX_REFERENCE_ITEMS = 2_000;

export interface SoftmaxOptions {
  epochs?: number;
  /** Initial learning rate; decays as lr / (1 + epoch). */
  learningRate?: number;
  /** L2 penalty on W. */
  l2?: number;
  seed?: number;
}

export class SoftmaxReference {
  private readonly n: number;
  private readonly w: Float32Array;
  private readonly b: Float32Array;
  /** Per context-size bucket bias: large baskets add different things (bags, drinks) than small ones. */
  private readonly v: Float32Array;
  private readonly index: Map<string, number>;
  private readonly items: readonly string[];

  /** Trains on `train` (item ids index `train.items`); baskets may repeat items (counted once). */
  constructor(train: Transactions, opts: SoftmaxOptions = {}) {
    this.items = train.items;
    const n = train.items.length;
    if (n > MAX_REFERENCE_ITEMS) throw new RangeError(`reference model: ${n} items > ${MAX_REFERENCE_ITEMS}`);
    this.n = n;
    this.w = new Float32Array(n * n);
    this.b = new Float32Array(n);
    this.v = new Float32Array(SIZE_BUCKETS * n);
    this.index = new Map(train.items.map((it, i) => [it, i]));
    const baskets = distinctBaskets(train);
    const counts = new Float64Array(n);
    for (const bk of baskets) for (const i of bk) counts[i]!++;
    for (let j = 0; j < n; j++) this.b[j] = Math.log((counts[j]! + 0.5) / (baskets.length + 1));
    this.fit(
      baskets.filter((bk) => bk.length >= 2),
      opts,
    );
  }

  private fit(baskets: number[][], opts: SoftmaxOptions): void {
    const { n, w, b, v } = this;
    // Few epochs on purpose: more of them overfit Groceries-sized data (tuned on seed 7, measured on seed 42).
    const epochs = opts.epochs ?? 4;
    const lr0 = opts.learningRate ?? 0.05;
    const l2 = opts.l2 ?? 1e-3;
    const rand = mulberry32(opts.seed ?? 42);
    const order = baskets.map((_, i) => i);
    const z = new Float64Array(n);
    const masked = new Uint8Array(n);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const lr = lr0 / (1 + epoch);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const bi of order) {
        const basket = baskets[bi]!;
        for (const target of basket) {
          // Forward: scores over items outside the context (the target is outside by construction).
          for (const c of basket) if (c !== target) masked[c] = 1;
          const vo = sizeBucket(basket.length - 1) * n;
          let max = -Infinity;
          for (let j = 0; j < n; j++) {
            if (masked[j]) continue;
            let s = b[j]! + v[vo + j]!;
            for (const c of basket) if (c !== target) s += w[c * n + j]!;
            z[j] = s;
            if (s > max) max = s;
          }
          let sum = 0;
          for (let j = 0; j < n; j++) if (!masked[j]) sum += z[j] = Math.exp(z[j]! - max);
          // Backward: gradient p_j − [j = target], applied to b and to the context items' rows of W.
          for (let j = 0; j < n; j++) {
            if (masked[j]) continue;
            const g = z[j]! / sum - (j === target ? 1 : 0);
            b[j]! -= lr * g;
            v[vo + j]! -= lr * g;
            for (const c of basket) {
              if (c === target) continue;
              const k = c * n + j;
              w[k]! -= lr * (g + l2 * w[k]!);
            }
          }
          for (const c of basket) masked[c] = 0;
        }
      }
    }
  }

  /** Top k items not in the basket, best first (ties: item order). */
  recommend(basket: Iterable<string>, k = 5): string[] {
    const { n, w, b, v } = this;
    const ctx: number[] = [];
    for (const it of new Set(basket)) {
      const i = this.index.get(it);
      if (i !== undefined) ctx.push(i);
    }
    const scores: { j: number; s: number }[] = [];
    const vo = sizeBucket(ctx.length) * n;
    for (let j = 0; j < n; j++) {
      if (ctx.includes(j)) continue;
      let s = b[j]! + v[vo + j]!;
      for (const c of ctx) s += w[c * n + j]!;
      scores.push({ j, s });
    }
    scores.sort((x, y) => y.s - x.s || x.j - y.j);
    return scores.slice(0, k).map(({ j }) => this.items[j]!);
  }
}

const SIZE_BUCKETS = 6;
/** Context sizes 1, 2, 3, 4–5, 6–8, 9+. */
function sizeBucket(size: number): number {
  return size <= 3 ? Math.max(0, size - 1) : size <= 5 ? 3 : size <= 8 ? 4 : 5;
}

function distinctBaskets(tx: Transactions): number[][] {
  const out: number[][] = [];
  for (let bk = 0; bk + 1 < tx.offsets.length; bk++) {
    const s = new Set<number>();
    for (let i = tx.offsets[bk]!; i < tx.offsets[bk + 1]!; i++) s.add(tx.itemIds[i]!);
    if (s.size > 0) out.push([...s]);
  }
  return out;
}
