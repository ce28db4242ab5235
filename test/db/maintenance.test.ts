/**
 * PGlite has no autovacuum: without statistics the order path's member-facts read was planned on a merchant-wide
 * index and kept that plan (every order and lot of the merchant read on each order). maintainTables applies
 * autovacuum's thresholds; afterwards an order reads a handful of index entries, however many orders came before.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maintainTables, startTableMaintenance } from "../../src/db/maintenance.ts";
import { queryRows } from "../../src/db/rows.ts";
import { members } from "../../src/db/schema.ts";
import { newId } from "../../src/lib/ids.ts";
import { createLogger } from "../../src/lib/log.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { placeOrder } from "../../src/orders/place.ts";
import type { CreateOrderInput } from "../../src/orders/schemas.ts";
import { z } from "zod";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { waitFor } from "../helpers/wait.ts";

let database: TestDatabase;
let merchantId: string;
const ids = Array.from({ length: 40 }, () => newId("mem"));
let placed = 0;

async function placeOrders(n: number) {
  for (let k = 0; k < n; k++, placed++) {
    const input = {
      externalId: `o-${placed}`,
      memberId: ids[placed % ids.length],
      channel: "pos",
      items: [{ sku: `S${placed % 7}`, quantity: 1, unitPrice: 50_000, discount: 0 }],
    } as CreateOrderInput;
    await placeOrder(database.db, merchantId, input, new Date(), `h${placed}`);
  }
}

const stats = z.object({ inserted: z.coerce.number(), read: z.coerce.number() });
/** Orders inserted and index entries read on the order path's tables, as the statistics collector has them. */
const counters = async () =>
  (
    await queryRows(
      database.db,
      sql`select (select n_tup_ins from pg_stat_user_tables where relname = 'orders') as inserted,
                 (select sum(idx_tup_read) from pg_stat_user_indexes
                   where relname in ('orders', 'point_lots', 'members')) as read`,
      stats,
    )
  )[0]!;

beforeAll(async () => {
  database = await openTestDatabase();
  merchantId = (await createMerchant(database.db, { name: "Maintenance shop" })).merchantId;
  await database.db
    .insert(members)
    .values(ids.map((id, k) => ({ id, merchantId, phone: `+8490${String(k).padStart(7, "0")}` })));
});
afterAll(async () => {
  await database?.close();
});

describe("table maintenance (autovacuum's job on PGlite)", () => {
  it("analyses the tables orders changed; afterwards an order reads a few index entries, not the merchant's history", async () => {
    await placeOrders(300);
    // Counters reach the statistics views within a second of the writes (PGSTAT_MIN_INTERVAL).
    const analyzed = new Set<string>();
    await waitFor("orders, point_lots and members analysed", async () => {
      for (const t of (await maintainTables(database.db)).analyzed) analyzed.add(t);
      return ["orders", "point_lots", "members", "ledger_entries"].every((t) => analyzed.has(t));
    });
    // Nothing left to do right after a pass.
    expect((await maintainTables(database.db)).analyzed).not.toContain("orders");

    const before = await waitFor("counters flushed", async () => {
      const c = await counters();
      return c.inserted === 300 ? c : undefined;
    });
    await placeOrders(20);
    const after = await waitFor("counters flushed", async () => {
      const c = await counters();
      return c.inserted === 320 ? c : undefined;
    });
    // A merchant-wide plan reads ≥ 300 entries per order (each earlier order and lot); a member's plan a handful.
    expect((after.read - before.read) / 20).toBeLessThan(40);
  });

  it("startTableMaintenance runs a pass at once and stops cleanly", async () => {
    const lines: string[] = [];
    const logger = createLogger("debug", {}, (line) => lines.push(line));
    await placeOrders(100);
    await waitFor("a pass that analysed orders", async () => {
      const m = startTableMaintenance(database.db, logger, 60_000);
      await m.stop();
      return lines.some((l) => l.includes("tables maintained") && l.includes("orders"));
    });
  });
});
