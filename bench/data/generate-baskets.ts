/**
 * Deterministic transactions generator (Transactions CSV) for the recs benchmark and demos.
 *
 *   node bench/data/generate-baskets.ts --orders 1000000 --products 5000 --out bench/out/baskets.csv [--seed 42]
 *   node bench/data/generate-baskets.ts --demo [--out demo.csv] [--orders 2000] [--seed 42]
 *
 * Synthetic mode writes `order_id,item,category,quantity,unit_price` with item names `SKU-00042`:
 * - item popularity is Zipf-like (weight 1/rank over a seeded shuffle of the products);
 * - basket size is 1 + ⌊Exp(mean 3)⌋ (capped at 40) background items;
 * - planted complements: 40 pairs and 10 triples of mid-popularity items; 25% of orders get one
 *   planted pattern (pairs 80%, triples 20%), i.e. each pattern in ~0.5% of orders. They are printed
 *   and written to `<out>.planted.json` (and are what the benchmark checks it recovers);
 * - 2% of orders repeat one of their rows (duplicates must count once) and 3% of orders have their
 *   rows shuffled together with the next order's (rows of an order are not always adjacent).
 *
 * Demo mode writes a small Vietnamese coffee-shop dataset (~2,000 orders) with
 * `order_id,item,member,placed_at,category,quantity,unit_price`, real-looking names (some with commas
 * and quotes), phone-number members and a few planted habits (e.g. "Bánh mì thịt" with "Cà phê sữa đá").
 *
 * The same arguments and seed always give byte-identical output.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { csvRow } from "../../src/lib/csv.ts";
import { mulberry32 } from "../../src/lib/random.ts";
export { mulberry32 };

export interface Planted {
  pairs: [string, string][];
  triples: [string, string, string][];
}

export interface GenerateOptions {
  orders: number;
  products: number;
  seed?: number;
  /** Output path, or "-" for stdout. */
  out: string;
}

export interface GenerateResult {
  rows: number;
  planted: Planted;
}

export const skuName = (p: number): string => `SKU-${String(p).padStart(5, "0")}`;

/** Buffered writer honouring backpressure. */
class Sink {
  private buf = "";
  private readonly stream: WriteStream | NodeJS.WriteStream;
  private readonly ownStream: boolean;
  constructor(out: string) {
    this.ownStream = out !== "-";
    this.stream = this.ownStream ? createWriteStream(out) : process.stdout;
  }
  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= 1 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    const chunk = this.buf;
    this.buf = "";
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once("drain", () => r()));
  }
  async close(): Promise<void> {
    await this.flush();
    if (this.ownStream) {
      await new Promise<void>((resolve, reject) => {
        (this.stream as WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
    }
  }
}

function shuffle<T>(a: T[], rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Writes the synthetic dataset; returns the row count and the planted patterns. */
export async function generateBaskets(opts: GenerateOptions): Promise<GenerateResult> {
  const { orders, products } = opts;
  if (products < 200) throw new Error("--products must be at least 200");
  const rand = mulberry32(opts.seed ?? 42);

  // Popularity: rank r has weight 1/(r+1); ranks are a shuffled permutation of the products.
  const byRank = Array.from({ length: products }, (_, i) => i + 1);
  shuffle(byRank, rand);
  const cum = new Float64Array(products);
  let total = 0;
  for (let r = 0; r < products; r++) {
    total += 1 / (r + 1);
    cum[r] = total;
  }
  const drawProduct = (): number => {
    const u = rand() * total;
    let lo = 0;
    let hi = products - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return byRank[lo]!;
  };
  const price = (p: number): number => 10_000 + ((p * 7919) % 90) * 1_000;

  // Planted patterns from popularity ranks 50..1500 (distinct items across patterns).
  const pool = byRank.slice(50, Math.min(products, 1500));
  shuffle(pool, rand);
  const pairs: number[][] = [];
  const triples: number[][] = [];
  let k = 0;
  for (let i = 0; i < 40; i++) pairs.push([pool[k++]!, pool[k++]!]);
  for (let i = 0; i < 10; i++) triples.push([pool[k++]!, pool[k++]!, pool[k++]!]);
  const planted: Planted = {
    pairs: pairs.map((p) => p.map(skuName).sort() as [string, string]),
    triples: triples.map((t) => t.map(skuName).sort() as [string, string, string]),
  };

  const sink = new Sink(opts.out);
  await sink.write("order_id,item,category,quantity,unit_price\n");
  let rows = 0;
  let carry: string[] | null = null; // rows of an order to interleave with the next one
  for (let o = 1; o <= orders; o++) {
    const id = `ORD-${String(o).padStart(7, "0")}`;
    const items: number[] = [];
    const size = 1 + Math.min(39, Math.floor(-Math.log(1 - rand()) * 3));
    for (let i = 0; i < size; i++) items.push(drawProduct());
    if (rand() < 0.25) {
      const pattern =
        rand() < 0.8 ? pairs[Math.floor(rand() * pairs.length)]! : triples[Math.floor(rand() * triples.length)]!;
      items.push(...pattern);
    }
    if (rand() < 0.02) items.push(items[Math.floor(rand() * items.length)]!);
    let lines = items.map(
      (p) => `${id},${skuName(p)},CAT-${String(p % 24).padStart(2, "0")},${rand() < 0.15 ? 2 : 1},${price(p)}\n`,
    );
    rows += lines.length;
    if (carry) {
      lines = carry.concat(lines);
      shuffle(lines, rand);
      carry = null;
    } else if (o < orders && rand() < 0.03) {
      carry = lines;
      continue;
    }
    for (const l of lines) await sink.write(l);
  }
  if (carry) for (const l of carry) await sink.write(l);
  await sink.close();
  if (opts.out !== "-") {
    await writeFile(
      `${opts.out}.planted.json`,
      JSON.stringify({ seed: opts.seed ?? 42, orders, products, ...planted }, null, 2) + "\n",
    );
  }
  return { rows, planted };
}

interface MenuItem {
  name: string;
  category: string;
  price: number;
  weight: number;
}

const MENU: MenuItem[] = [
  { name: "Cà phê sữa đá", category: "Cà phê", price: 29_000, weight: 30 },
  { name: "Cà phê đen đá", category: "Cà phê", price: 25_000, weight: 18 },
  { name: "Bạc xỉu", category: "Cà phê", price: 32_000, weight: 14 },
  { name: "Cà phê muối", category: "Cà phê", price: 35_000, weight: 10 },
  { name: "Cà phê trứng", category: "Cà phê", price: 39_000, weight: 6 },
  { name: "Cappuccino", category: "Cà phê", price: 45_000, weight: 5 },
  { name: "Trà đào cam sả", category: "Trà", price: 45_000, weight: 16 },
  { name: "Trà vải", category: "Trà", price: 42_000, weight: 8 },
  { name: "Trà sen vàng", category: "Trà", price: 49_000, weight: 6 },
  { name: "Trà đá", category: "Trà", price: 5_000, weight: 12 },
  { name: "Trà sữa trân châu đường đen", category: "Trà sữa", price: 45_000, weight: 9 },
  { name: "Matcha đá xay", category: "Đá xay", price: 55_000, weight: 5 },
  { name: "Sinh tố bơ", category: "Sinh tố", price: 45_000, weight: 5 },
  { name: "Nước ép cam", category: "Nước ép", price: 40_000, weight: 6 },
  { name: "Nước dừa tươi", category: "Nước ép", price: 30_000, weight: 5 },
  { name: "Bánh mì thịt", category: "Bánh", price: 30_000, weight: 14 },
  { name: "Bánh mì ốp la", category: "Bánh", price: 28_000, weight: 6 },
  { name: 'Bánh mì "đặc biệt"', category: "Bánh", price: 40_000, weight: 4 },
  { name: "Bánh bao, nhân thịt", category: "Bánh", price: 20_000, weight: 7 },
  { name: "Bánh flan", category: "Tráng miệng", price: 18_000, weight: 7 },
  { name: "Bánh croissant", category: "Bánh", price: 35_000, weight: 5 },
  { name: "Bánh tiramisu", category: "Tráng miệng", price: 45_000, weight: 4 },
  { name: "Chè ba màu", category: "Tráng miệng", price: 25_000, weight: 4 },
  { name: "Sữa chua, nếp cẩm", category: "Tráng miệng", price: 25_000, weight: 5 },
  { name: "Hướng dương rang", category: "Ăn vặt", price: 15_000, weight: 6 },
  { name: "Khô gà lá chanh", category: "Ăn vặt", price: 35_000, weight: 4 },
  { name: "Cơm tấm sườn", category: "Món chính", price: 55_000, weight: 5 },
  { name: "Xôi gà", category: "Món chính", price: 35_000, weight: 4 },
];

/** Planted habits (item names) for the demo: each is added to some orders. */
const DEMO_HABITS: { items: string[]; share: number }[] = [
  { items: ["Bánh mì thịt", "Cà phê sữa đá"], share: 0.12 },
  { items: ["Trà đào cam sả", "Bánh flan"], share: 0.06 },
  { items: ["Bạc xỉu", "Bánh bao, nhân thịt"], share: 0.05 },
  { items: ["Cơm tấm sườn", "Trà đá"], share: 0.04 },
  { items: ["Cà phê muối", "Bánh croissant", "Bánh tiramisu"], share: 0.03 },
];

/** Writes the Vietnamese coffee-shop demo dataset. */
export async function generateDemo(
  out: string,
  orders = 2000,
  seed = 42,
): Promise<{ rows: number; habits: string[][] }> {
  const rand = mulberry32(seed);
  const totalWeight = MENU.reduce((s, m) => s + m.weight, 0);
  const draw = (): MenuItem => {
    let u = rand() * totalWeight;
    for (const m of MENU) {
      u -= m.weight;
      if (u < 0) return m;
    }
    return MENU[MENU.length - 1]!;
  };
  const byName = new Map(MENU.map((m) => [m.name, m]));
  const members = Array.from({ length: 300 }, () => "09" + String(Math.floor(rand() * 1e8)).padStart(8, "0"));
  const start = Date.UTC(2025, 2, 1, 0, 0, 0); // 2025-03-01 (UTC)
  const sink = new Sink(out);
  await sink.write("order_id,item,member,placed_at,category,quantity,unit_price\n");
  let rows = 0;
  for (let o = 1; o <= orders; o++) {
    const id = `HD${String(o).padStart(6, "0")}`;
    const member = rand() < 0.6 ? members[Math.floor(rand() * members.length)]! : "";
    // Opening hours 6:30–22:00 Vietnam time (UTC+7), spread over 30 days.
    const day = Math.floor(((o - 1) / orders) * 30);
    const minute = 390 + Math.floor(rand() * (22 * 60 - 390));
    const placedAt = new Date(start + day * 86_400_000 + (minute - 7 * 60) * 60_000)
      .toISOString()
      .replace(".000Z", "+00:00");
    const picked: MenuItem[] = [];
    const size = 1 + Math.min(5, Math.floor(-Math.log(1 - rand()) * 1.2));
    for (let i = 0; i < size; i++) picked.push(draw());
    for (const h of DEMO_HABITS) if (rand() < h.share) for (const name of h.items) picked.push(byName.get(name)!);
    for (const m of picked) {
      const qty = rand() < 0.2 ? 2 : 1;
      await sink.write(csvRow([id, m.name, member, placedAt, m.category, String(qty), String(m.price)]) + "\n");
      rows++;
    }
  }
  await sink.close();
  return { rows, habits: DEMO_HABITS.map((h) => h.items) };
}

const USAGE = `Usage:
  node bench/data/generate-baskets.ts --orders <N> --products <P> --out <file.csv> [--seed 42]
  node bench/data/generate-baskets.ts --demo [--out <file.csv>] [--orders 2000] [--seed 42]
(--out - writes to stdout)`;

export async function main(args: string[]): Promise<number> {
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const seed = Number(get("seed") ?? 42);
  const num = (name: string, fallback: number): number => {
    const v = get(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  if (args.includes("--demo")) {
    const out = get("out") ?? "-";
    const r = await generateDemo(out, num("orders", 2000), seed);
    process.stderr.write(
      `demo: ${r.rows} rows -> ${out}; planted habits: ${r.habits.map((h) => h.join(" + ")).join("; ")}\n`,
    );
    return 0;
  }
  const out = get("out");
  if (!out) {
    process.stderr.write(USAGE + "\n");
    return 2;
  }
  const started = Date.now();
  const r = await generateBaskets({ orders: num("orders", 1_000_000), products: num("products", 5000), seed, out });
  process.stderr.write(
    `generated ${r.rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${out}\n` +
      `planted pairs: ${r.planted.pairs.map((p) => p.join("+")).join(" ")}\n` +
      `planted triples: ${r.planted.triples.map((t) => t.join("+")).join(" ")}\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
