/**
 * Fast loader: Transactions CSV bytes → `Transactions`, without creating a JS string or object per
 * row. Runtime-neutral (works on UTF-8 byte chunks).
 *
 * It follows exactly the reading rules of `csv.ts` (quotes, CRLF/LF/CR, BOM, empty lines skipped), but
 * scans bytes directly: `order_id` and `item` values are hashed while scanning and interned in
 * byte-keyed hash tables, so only the distinct item names ever become strings. Other columns are
 * skipped. Records whose fields are all empty (e.g. `,,,` lines from spreadsheets) are skipped too.
 *
 * Bad input throws `CsvFormatError` (with the record's line): no header, header without
 * `order_id`/`item`, a record too short to hold them, an empty `order_id` or `item`, an unterminated
 * quoted field.
 */
import { CsvFormatError, headerIndex, iterateChunks, type CsvInput } from "../lib/csv.ts";
import { groupRows, IntBuffer, type Transactions } from "./transactions.ts";

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The array at twice its length, contents kept. */
function doubled(arr: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const out = new Int32Array(arr.length * 2);
  out.set(arr);
  return out;
}

/** Whether entry `id` of an arena (bytes starts[id]..starts[id + 1]) is exactly src[s, e). */
function holds(arena: Uint8Array, starts: Int32Array, id: number, src: Uint8Array, s: number, e: number): boolean {
  const a = starts[id]!;
  const len = e - s;
  if (starts[id + 1]! - a !== len) return false;
  for (let k = 0; k < len; k++) if (arena[a + k] !== src[s + k]) return false;
  return true;
}

/** Copies src[s, s + len) to `arena` at `used`, into a larger (doubled) arena when it does not fit; returns it. */
function appendBytes(arena: Uint8Array<ArrayBuffer>, used: number, src: Uint8Array, s: number, len: number) {
  let out = arena;
  if (used + len > arena.length) {
    let cap = arena.length * 2;
    while (cap < used + len) cap *= 2;
    out = new Uint8Array(cap);
    out.set(arena.subarray(0, used));
  }
  for (let k = 0; k < len; k++) out[used + k] = src[s + k]!;
  return out;
}

/**
 * Interns byte strings to dense ids 0, 1, 2, … Open addressing with linear probing; each slot holds
 * (hash, id + 1) side by side so a probe touches one cache line before any key bytes.
 */
export class ByteInterner {
  private arena = new Uint8Array(1 << 16);
  private arenaLen = 0;
  private starts = new Int32Array(1024);
  /** Slot i: table[2i] = hash, table[2i + 1] = id + 1 (0 = empty). */
  private table = new Int32Array(2 << 11);
  private mask = (1 << 11) - 1;
  size = 0;

  /** Hashes bytes the same way the loader does while scanning (FNV-1a, 32 bit). */
  static hash(src: Uint8Array, s: number, e: number): number {
    let h = FNV_OFFSET;
    for (let i = s; i < e; i++) h = Math.imul(h ^ src[i]!, FNV_PRIME);
    return h;
  }

  /** Id of src[s, e); `h` must be `ByteInterner.hash(src, s, e)`. */
  intern(src: Uint8Array, s: number, e: number, h: number): number {
    h = fmix(h);
    const len = e - s;
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const t = table[2 * slot + 1]!;
      if (t === 0) break;
      if (table[2 * slot] === h) {
        const id = t - 1;
        const a = this.starts[id]!;
        if (this.starts[id + 1]! - a === len) {
          const arena = this.arena;
          let k = 0;
          while (k < len && arena[a + k] === src[s + k]) k++;
          if (k === len) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    // Insert.
    const id = this.size++;
    if (this.size + 1 >= this.starts.length) this.starts = doubled(this.starts);
    const a = this.arenaLen;
    this.arena = appendBytes(this.arena, a, src, s, len);
    this.starts[id] = a;
    this.arenaLen = a + len;
    this.starts[id + 1] = a + len;
    table[2 * slot] = h;
    table[2 * slot + 1] = id + 1;
    if (this.size * 2 > mask + 1) this.rehash();
    return id;
  }

  private rehash(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const table = new Int32Array(2 * slots);
    const mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) {
      const t = old[i + 1]!;
      if (t === 0) continue;
      const h = old[i]!;
      let slot = h & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h;
      table[2 * slot + 1] = t;
    }
    this.table = table;
    this.mask = mask;
  }

  /** Whether id `id` holds exactly src[s, e). */
  equals(id: number, src: Uint8Array, s: number, e: number): boolean {
    return holds(this.arena, this.starts, id, src, s, e);
  }

  /** All interned values as strings, by id. */
  strings(): string[] {
    const dec = new TextDecoder("utf-8");
    const out: string[] = new Array<string>(this.size);
    for (let id = 0; id < this.size; id++)
      out[id] = dec.decode(this.arena.subarray(this.starts[id]!, this.starts[id + 1]!));
    return out;
  }
}

/**
 * Order keys by run: a run is a maximal sequence of adjacent rows with the same order id. Rows get
 * their run index while reading (no hash-table insert per order — orders are usually contiguous);
 * `resolve()` then unifies runs with equal keys (orders whose rows were not adjacent) with a radix
 * sort by hash, numbering orders by first appearance.
 */
export class RunKeys {
  private arena = new Uint8Array(1 << 16);
  private arenaLen = 0;
  private starts = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  count = 0;

  /** Whether the latest run has key src[s, e) (with raw hash h). */
  isLast(src: Uint8Array, s: number, e: number, h: number): boolean {
    const id = this.count - 1;
    if (id < 0 || this.hashes[id] !== h) return false;
    return holds(this.arena, this.starts, id, src, s, e);
  }

  /** Starts a new run with key src[s, e); returns its index. */
  add(src: Uint8Array, s: number, e: number, h: number): number {
    const id = this.count++;
    const len = e - s;
    if (this.count + 1 >= this.starts.length) {
      this.starts = doubled(this.starts);
      this.hashes = doubled(this.hashes);
    }
    const a = this.arenaLen;
    this.arena = appendBytes(this.arena, a, src, s, len);
    this.arenaLen = a + len;
    this.starts[id] = a;
    this.starts[id + 1] = a + len;
    this.hashes[id] = h;
    return id;
  }

  private sameKey(x: number, y: number): boolean {
    const a = this.starts[x]!;
    const b = this.starts[y]!;
    const len = this.starts[x + 1]! - a;
    if (this.starts[y + 1]! - b !== len) return false;
    const arena = this.arena;
    for (let k = 0; k < len; k++) if (arena[a + k] !== arena[b + k]) return false;
    return true;
  }

  /** Order index per run (runs with equal keys share one), orders numbered by first appearance. */
  resolve(): { runToOrder: Int32Array; orderCount: number } {
    const n = this.count;
    const hashes = this.hashes;
    // LSD radix sort of run indices by unsigned hash (2 passes of 16 bits; stable).
    let idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    let tmp = new Int32Array(n);
    for (let shift = 0; shift < 32; shift += 16) {
      const counts = new Int32Array(65537);
      for (let i = 0; i < n; i++) counts[((hashes[idx[i]!]! >>> shift) & 0xffff) + 1]!++;
      for (let b = 0; b < 65536; b++) counts[b + 1]! += counts[b]!;
      for (let i = 0; i < n; i++) {
        const r = idx[i]!;
        tmp[counts[(hashes[r]! >>> shift) & 0xffff]!++] = r;
      }
      const t = idx;
      idx = tmp;
      tmp = t;
    }
    // Within each equal-hash group (ascending run index), map each run to the first run with its key.
    const canon = new Int32Array(n);
    for (let i = 0; i < n; i++) canon[i] = i;
    const reps: number[] = [];
    for (let i = 0; i < n; ) {
      const h = hashes[idx[i]!]!;
      let j = i + 1;
      while (j < n && hashes[idx[j]!] === h) j++;
      if (j - i > 1) {
        reps.length = 0;
        for (let g = i; g < j; g++) {
          const r = idx[g]!;
          let found = -1;
          for (const rep of reps) {
            if (this.sameKey(rep, r)) {
              found = rep;
              break;
            }
          }
          if (found >= 0) canon[r] = found;
          else reps.push(r);
        }
      }
      i = j;
    }
    const runToOrder = new Int32Array(n);
    let orders = 0;
    for (let r = 0; r < n; r++) runToOrder[r] = canon[r] === r ? orders++ : runToOrder[canon[r]!]!;
    return { runToOrder, orderCount: orders };
  }
}

export interface LoadTransactionsOptions {
  /** Called once per input chunk with the bytes consumed so far and the rows loaded. */
  onProgress?: (bytes: number, rows: number) => void;
}

/** Incremental loader; feed byte chunks with `push`, then call `finish`. */
export class TransactionsCsvLoader {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private line = 1;
  private bomChecked = false;
  private headerDone = false;
  private headerFields: string[] = [];
  private orderCol = -1;
  private itemCol = -1;
  private needFields = 0;
  private readonly orders = new RunKeys();
  private readonly itemsTable = new ByteInterner();
  private readonly orderOf = new IntBuffer(1 << 16);
  private readonly itemOf = new IntBuffer(1 << 16);
  /** Scratch buffers for unescaped quoted values: [order, item, header]. */
  private readonly scratch: Uint8Array[] = [new Uint8Array(256), new Uint8Array(256), new Uint8Array(256)];
  private readonly decoder = new TextDecoder("utf-8");
  // Results of scanQuoted.
  private qLen = 0;
  private qHash = 0;
  private qLines = 0;
  bytes = 0;

  get rows(): number {
    return this.orderOf.length;
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.len + chunk.length > this.buf.length) {
      let cap = this.buf.length;
      while (cap < this.len + chunk.length) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    this.parse(false);
  }

  finish(): Transactions {
    this.parse(true);
    if (!this.headerDone) throw new CsvFormatError(1, "empty input: a header row with order_id,item is required");
    const rows = this.orderOf.length;
    const { runToOrder, orderCount } = this.orders.resolve();
    const orderOf = this.orderOf.data;
    for (let r = 0; r < rows; r++) orderOf[r] = runToOrder[orderOf[r]!]!;
    const { offsets, itemIds } = groupRows(orderOf, this.itemOf.data, rows, orderCount);
    this.orderOf.data = new Int32Array(0);
    this.itemOf.data = new Int32Array(0);
    return { items: this.itemsTable.strings(), offsets, itemIds, normalized: false, rows };
  }

  private parse(final: boolean): void {
    let p = 0;
    if (!this.bomChecked) {
      if (this.len < 3 && !final) return;
      this.bomChecked = true;
      const b = this.buf;
      if (this.len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) p = 3;
    }
    const buf: Uint8Array = this.buf;
    const n = this.len;
    let line = this.line;
    let orderCol = this.orderCol;
    let itemCol = this.itemCol;
    outer: while (p < n) {
      const recStart = p;
      const recLine = line;
      let c = buf[p]!;
      if (c === LF) {
        p++;
        line++;
        continue;
      }
      if (c === CR) {
        if (p + 1 < n) p += buf[p + 1] === LF ? 2 : 1;
        else if (final) p++;
        else break;
        line++;
        continue;
      }
      const header = !this.headerDone;
      if (header) this.headerFields = []; // (a record cut by the chunk end is parsed again)
      let field = 0;
      let any = false;
      let oBuf = buf;
      let oS = 0;
      let oE = -1;
      let oH = 0;
      let iBuf = buf;
      let iS = 0;
      let iE = -1;
      let iH = 0;
      for (;;) {
        const want = header ? 2 : field === orderCol ? 0 : field === itemCol ? 1 : -1;
        let vBuf = buf;
        let vS = p;
        let vE: number;
        let h = FNV_OFFSET;
        if (p < n && buf[p] === QUOTE) {
          const np = this.scanQuoted(p, n, final, want, recLine);
          if (np < 0) {
            p = recStart;
            line = recLine;
            break outer;
          }
          p = np;
          line += this.qLines;
          if (want >= 0) {
            vBuf = this.scratch[want]!;
            vS = 0;
            vE = this.qLen;
            h = this.qHash;
          } else {
            vE = this.qLen === 0 ? vS : vS + 1; // only emptiness matters for skipped fields
          }
        } else if (want >= 0) {
          while (p < n) {
            c = buf[p]!;
            if (c === COMMA || c === LF || c === CR) break;
            h = Math.imul(h ^ c, FNV_PRIME);
            p++;
          }
          vE = p;
        } else {
          while (p < n) {
            c = buf[p]!;
            if (c === COMMA || c === LF || c === CR) break;
            p++;
          }
          vE = p;
        }
        if (p >= n && !final) {
          p = recStart;
          line = recLine;
          break outer;
        }
        if (vE > vS) any = true;
        if (want === 0) {
          oBuf = vBuf;
          oS = vS;
          oE = vE;
          oH = h;
        } else if (want === 1) {
          iBuf = vBuf;
          iS = vS;
          iE = vE;
          iH = h;
        } else if (want === 2) {
          this.headerFields.push(this.decoder.decode(vBuf.subarray(vS, vE)));
        }
        if (p >= n) break; // final: record ends at end of input
        c = buf[p]!;
        if (c === COMMA) {
          p++;
          field++;
          continue;
        }
        if (c === LF) p++;
        else if (p + 1 < n) p += buf[p + 1] === LF ? 2 : 1;
        else if (final) p++;
        else {
          p = recStart;
          line = recLine;
          break outer;
        }
        line++;
        break;
      }
      // A complete record.
      if (header) {
        this.setHeader(recLine);
        orderCol = this.orderCol;
        itemCol = this.itemCol;
        continue;
      }
      if (!any) continue;
      if (oE < 0 || iE < 0) {
        throw new CsvFormatError(
          recLine,
          `expected at least ${this.needFields} fields (order_id, item), found ${field + 1}`,
        );
      }
      if (oE === oS) throw new CsvFormatError(recLine, "empty order_id");
      if (iE === iS) throw new CsvFormatError(recLine, "empty item");
      // A new run starts whenever the order id differs from the previous row's.
      const runs = this.orders;
      const o = runs.isLast(oBuf, oS, oE, oH) ? runs.count - 1 : runs.add(oBuf, oS, oE, oH);
      this.orderOf.push(o);
      this.itemOf.push(this.itemsTable.intern(iBuf, iS, iE, iH));
    }
    if (p > 0) {
      if (p < n) buf.copyWithin(0, p, n);
      this.len = n - p;
    }
    this.line = line;
  }

  private setHeader(line: number): void {
    const cols = headerIndex({ line, fields: this.headerFields }, ["order_id", "item"]);
    this.orderCol = cols.get("order_id")!;
    this.itemCol = cols.get("item")!;
    this.needFields = Math.max(this.orderCol, this.itemCol) + 1;
    this.headerDone = true;
  }

  /**
   * Scans a quoted field starting at the quote at `p` (plus any lenient trailing bytes up to the next
   * delimiter). Returns the position after it, or -1 if the buffer ends first (more input needed).
   * When `want >= 0` the unescaped value goes to `scratch[want]` with its hash. Sets qLen, qHash,
   * qLines.
   */
  private scanQuoted(p: number, n: number, final: boolean, want: number, recLine: number): number {
    const buf = this.buf;
    let out = want >= 0 ? this.scratch[want]! : undefined;
    let len = 0;
    let h = FNV_OFFSET;
    let lines = 0;
    p++;
    const put = (b: number): void => {
      if (out) {
        if (len === out.length) {
          const next = new Uint8Array(out.length * 2);
          next.set(out);
          out = next;
          this.scratch[want] = next;
        }
        out[len] = b;
        h = Math.imul(h ^ b, FNV_PRIME);
      }
      len++;
    };
    for (;;) {
      if (p >= n) {
        if (final) throw new CsvFormatError(recLine, "unterminated quoted field");
        return -1;
      }
      const b = buf[p]!;
      if (b === QUOTE) {
        if (p + 1 >= n) {
          if (!final) return -1;
          p++;
          break;
        }
        if (buf[p + 1] === QUOTE) {
          put(QUOTE);
          p += 2;
          continue;
        }
        p++;
        break;
      }
      if (b === LF) lines++;
      else if (b === CR && (p + 1 >= n || buf[p + 1] !== LF)) {
        if (p + 1 >= n && !final) return -1;
        lines++;
      }
      put(b);
      p++;
    }
    // Lenient: bytes after the closing quote up to the delimiter are part of the value.
    while (p < n) {
      const b = buf[p]!;
      if (b === COMMA || b === LF || b === CR) break;
      put(b);
      p++;
    }
    this.qLen = len;
    this.qHash = h;
    this.qLines = lines;
    return p;
  }
}

/**
 * Loads a Transactions CSV (header with `order_id` and `item`; other columns ignored) into baskets in
 * order of first appearance, items in file order (not yet deduplicated — see `normalizeBaskets`).
 */
export async function loadTransactionsCsv(input: CsvInput, opts: LoadTransactionsOptions = {}): Promise<Transactions> {
  const loader = new TransactionsCsvLoader();
  const enc = new TextEncoder();
  for await (const chunk of iterateChunks(input)) {
    loader.push(typeof chunk === "string" ? enc.encode(chunk) : chunk);
    opts.onProgress?.(loader.bytes, loader.rows);
  }
  return loader.finish();
}
