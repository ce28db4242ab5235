/**
 * Compact in-memory transactions (baskets) for mining. Pure, no I/O.
 *
 * Layout (CSR): basket `b` holds item ids `itemIds[offsets[b] .. offsets[b + 1])`; item id `i` is the
 * string `items[i]`. Baskets are numbered in order of first appearance of their order id.
 *
 * Memory trade-off: rows of an order need not be adjacent, so they must be grouped before baskets
 * exist. The loader keeps two Int32 columns (order index, item id) = 8 bytes per input row, then a
 * stable counting sort turns them into these CSR arrays (4 bytes per row + 4 per basket) and drops
 * the columns; order keys are kept as raw bytes only until grouping. A 4M-row file thus peaks around
 * 4M × 12 B ≈ 48 MiB plus the key bytes — no per-row or per-order JS objects. Mining then works on a
 * copy restricted to frequent items (usually much smaller) and its own counters, which depend only on
 * the number of frequent items and itemsets; nothing it returns grows with the number of orders.
 */

export interface Transactions {
  /** Item id → item string. */
  items: string[];
  /** Basket boundaries, length = baskets + 1. */
  offsets: Int32Array;
  /** Item ids of all baskets, back to back. */
  itemIds: Int32Array;
  /** True when every basket is sorted ascending by item id with duplicates removed. */
  normalized: boolean;
  /** Number of input rows (before duplicate removal). */
  rows: number;
}

export function basketCount(tx: Transactions): number {
  return tx.offsets.length - 1;
}

/** Growable Int32Array. */
export class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
  grow(min: number): void {
    if (this.data.length >= min) return;
    let cap = this.data.length;
    while (cap < min) cap = cap < 1 << 24 ? cap * 2 : Math.ceil(cap * 1.5);
    const next = new Int32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  /** A right-sized copy of the contents. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Groups (order index, item id) rows into baskets with a stable counting sort, so each basket keeps
 * its items in file order. `orderOf[r]` must be in [0, orderCount).
 */
export function groupRows(
  orderOf: Int32Array,
  itemOf: Int32Array,
  rows: number,
  orderCount: number,
): { offsets: Int32Array; itemIds: Int32Array } {
  const offsets = new Int32Array(orderCount + 1);
  for (let r = 0; r < rows; r++) offsets[orderOf[r]! + 1]!++;
  for (let b = 0; b < orderCount; b++) offsets[b + 1]! += offsets[b]!;
  const fill = offsets.slice(0, orderCount);
  const itemIds = new Int32Array(rows);
  for (let r = 0; r < rows; r++) itemIds[fill[orderOf[r]!]!++] = itemOf[r]!;
  return { offsets, itemIds };
}

/** Sorts a[from, to) ascending in place. */
export function sortRange(a: Int32Array, from: number, to: number): void {
  const len = to - from;
  if (len < 2) return;
  if (len > 24) {
    a.subarray(from, to).sort();
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= from && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

/**
 * Sorts each basket by item id and removes duplicate items ("duplicate rows count once"), compacting
 * the arrays in place. Returns the same object, now `normalized`.
 */
export function normalizeBaskets(tx: Transactions): Transactions {
  if (tx.normalized) return tx;
  const { offsets, itemIds } = tx;
  const n = offsets.length - 1;
  let w = 0;
  let start = offsets[0]!;
  for (let b = 0; b < n; b++) {
    const end = offsets[b + 1]!;
    sortRange(itemIds, start, end);
    offsets[b] = w;
    let prev = -1;
    for (let i = start; i < end; i++) {
      const v = itemIds[i]!;
      if (v !== prev) {
        itemIds[w++] = v;
        prev = v;
      }
    }
    start = end;
  }
  offsets[n] = w;
  tx.itemIds = w === itemIds.length ? itemIds : itemIds.slice(0, w);
  tx.normalized = true;
  return tx;
}

/**
 * Builds `Transactions` from strings: either whole baskets (`addBasket`) or long-format rows whose
 * order keys may come in any order (`addRow`). Baskets are kept in order of first appearance.
 */
export class TransactionsBuilder {
  private readonly itemIndex = new Map<string, number>();
  private readonly orderIndex = new Map<string, number>();
  private readonly items: string[] = [];
  private readonly orderOf = new IntBuffer();
  private readonly itemOf = new IntBuffer();
  private orders = 0;

  itemId(item: string): number {
    let id = this.itemIndex.get(item);
    if (id === undefined) {
      id = this.items.length;
      this.items.push(item);
      this.itemIndex.set(item, id);
    }
    return id;
  }

  /** One long-format row: `item` belongs to the basket of `orderKey`. */
  addRow(orderKey: string, item: string): void {
    let o = this.orderIndex.get(orderKey);
    if (o === undefined) {
      o = this.orders++;
      this.orderIndex.set(orderKey, o);
    }
    this.orderOf.push(o);
    this.itemOf.push(this.itemId(item));
  }

  /** A whole basket (an anonymous order). An empty basket still counts as a transaction. */
  addBasket(items: Iterable<string>): void {
    const o = this.orders++;
    let any = false;
    for (const item of items) {
      this.orderOf.push(o);
      this.itemOf.push(this.itemId(item));
      any = true;
    }
    if (!any) {
      // Keep the empty basket: a marker row with item -1 that grouping drops.
      this.orderOf.push(o);
      this.itemOf.push(-1);
    }
  }

  get transactionCount(): number {
    return this.orders;
  }

  build(): Transactions {
    const { offsets, itemIds } = groupRows(this.orderOf.data, this.itemOf.data, this.orderOf.length, this.orders);
    const tx: Transactions = { items: this.items.slice(), offsets, itemIds, normalized: false, rows: 0 };
    // Drop empty-basket markers.
    let w = 0;
    let start = offsets[0]!;
    for (let b = 0; b < this.orders; b++) {
      const end = offsets[b + 1]!;
      offsets[b] = w;
      for (let i = start; i < end; i++) {
        const v = itemIds[i]!;
        if (v >= 0) itemIds[w++] = v;
      }
      start = end;
    }
    offsets[this.orders] = w;
    tx.itemIds = w === itemIds.length ? itemIds : itemIds.slice(0, w);
    tx.rows = w;
    return tx;
  }
}

/** Builds `Transactions` from baskets of item strings. */
export function transactionsFromBaskets(baskets: Iterable<Iterable<string>>): Transactions {
  const b = new TransactionsBuilder();
  for (const basket of baskets) b.addBasket(basket);
  return b.build();
}

/** The baskets as arrays of item strings (in stored order) — for tests and small data. */
export function basketsOf(tx: Transactions): string[][] {
  const out: string[][] = [];
  for (let b = 0; b + 1 < tx.offsets.length; b++) {
    const basket: string[] = [];
    for (let i = tx.offsets[b]!; i < tx.offsets[b + 1]!; i++) basket.push(tx.items[tx.itemIds[i]!]!);
    out.push(basket);
  }
  return out;
}
