/**
 * The analytics dirty marks on insert (migration 0050): a row dated inside the current quarter-hour fires no trigger,
 * because its day cannot have closed yet in any time zone — which holds only while every zone's UTC offset is a whole
 * number of quarter hours (local midnights fall on UTC quarter hours). Both halves are checked here.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../src/db/rows.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

let database: TestDatabase;
let merchantId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  merchantId = (await createMerchant(database.db, { name: "Dirty marks shop" })).merchantId;
});
afterAll(async () => {
  await database?.close();
});

async function marks(): Promise<string[]> {
  const rows = resultRows<{ day: string }>(
    await database.db.execute(
      sql`select to_char(day, 'YYYY-MM-DD') as day from analytics_dirty_days where merchant_id = ${merchantId} order by day`,
    ),
  );
  return rows.map((r) => r.day);
}

async function insertOrder(id: string, placedAt: SQLInstant) {
  await database.db.execute(sql`
    insert into orders (id, merchant_id, external_id, channel, placed_at, total, points_earned, credit_earned, content_hash, created_at)
    values (${id}, ${merchantId}, ${id}, 'pos', ${sql.raw(placedAt)}, 1000, 0, 0, 'h', now())`);
}
type SQLInstant = "now()" | "now() - interval '3 days'";

describe("analytics dirty marks on insert", () => {
  it("every time zone's UTC offset is a whole number of quarter hours (the premise of the insert triggers)", async () => {
    const odd = resultRows<{ name: string }>(
      await database.db.execute(
        sql`select name from pg_timezone_names where (extract(epoch from utc_offset)::int % 900) <> 0`,
      ),
    );
    const zones = resultRows<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from pg_timezone_names`),
    );
    expect(zones[0]!.n).toBeGreaterThan(300);
    expect(odd.map((z) => z.name)).toEqual([]);
  });

  it("an order of the current quarter-hour marks nothing; a backdated one marks its (closed) day", async () => {
    await insertOrder("ord_dirty_now", "now()");
    expect(await marks()).toEqual([]);
    await insertOrder("ord_dirty_old", "now() - interval '3 days'");
    const day = resultRows<{ d: string }>(
      await database.db.execute(
        sql`select to_char(((now() - interval '3 days') at time zone 'Asia/Ho_Chi_Minh')::date, 'YYYY-MM-DD') as d`,
      ),
    )[0]!.d;
    expect(await marks()).toEqual([day]);
  });
});
