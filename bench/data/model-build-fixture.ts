/**
 * Fills a Postgres database with a synthetic merchant for timing `recs build` (orders and items inserted in bulk with
 * generate_series, not through the order service), then times `buildModel`:
 *
 *   DATABASE_URL=postgres://… node bench/data/model-build-fixture.ts [--orders 200000] [--products 2000]
 *
 * Baskets: 1–4 items, Zipf-like popularity via power-law indexing, plus a planted pair in ~10 % of orders.
 * Deterministic (setseed). Creates a fresh merchant each run; prints the build time and model stats.
 */
import { openDatabase } from "../../src/db/open.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { buildModel } from "../../src/recs/build.ts";
import { sql } from "drizzle-orm";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const orders = arg("orders", 200_000);
const productsN = arg("products", 2000);
const url = process.env.DATABASE_URL;
if (!url) throw new Error("set DATABASE_URL (a Postgres database this script may write to)");
const database = await openDatabase({ databaseUrl: url, dataDir: "" });
const db = database.db;
const { merchantId } = await createMerchant(db, { name: "bench model build" });
const t0 = Date.now();
await db.execute(sql`select setseed(0.42)`);
await db.execute(sql`
  insert into orders (id, merchant_id, external_id, placed_at, total, content_hash, created_at)
  select ${merchantId} || '-o' || g, ${merchantId}, 'B-' || g, now() - (g || ' seconds')::interval, 0, 'x', now()
  from generate_series(1, ${orders}) g`);
await db.execute(sql`
  insert into order_items (order_id, merchant_id, line_no, sku, quantity, unit_price)
  select ${merchantId} || '-o' || g, ${merchantId}, k, 'SKU-' || (1 + floor(${productsN} * power(random(), 3)))::int, 1, 10000
  from generate_series(1, ${orders}) g, generate_series(1, 1 + (g % 4)) k`);
await db.execute(sql`
  insert into order_items (order_id, merchant_id, line_no, sku, quantity, unit_price)
  select ${merchantId} || '-o' || g, ${merchantId}, 10 + k, 'PAIR-' || k, 1, 10000
  from generate_series(1, ${orders}, 10) g, generate_series(1, 2) k`);
process.stderr.write(
  `fixture: ${orders.toLocaleString("en-US")} orders in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
);
const t1 = Date.now();
const r = await buildModel(db, merchantId, new Date());
process.stdout.write(
  `buildModel: ${r.model.nTransactions.toLocaleString("en-US")} orders, ${r.model.params.items} products, ${r.model.params.rules} rules (S=${r.model.params.minSupport}) in ${((Date.now() - t1) / 1000).toFixed(2)} s\n`,
);
await database.close();
