/**
 * The analytics `repeat` KPI (buyers and repeat buyers of a window) read from member_stats (`prev_order_at`,
 * docs/analytics-rollups.md) equals the query it replaced — the window's orders grouped by member, kept verbatim
 * below — on random histories: backdated and future-dated orders, partial and full refunds, guests, orders moved,
 * re-assigned and deleted straight on `orders`, several orders at the same instant, windows ending around local
 * midnight in two time zones.
 */
import { sql, type SQL } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKpi, summaryWindow, type KpiWindow } from "../../src/analytics/service.ts";
import { readSession } from "../../src/db/session.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { AnyRow, queryRows } from "../../src/db/rows.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember, addOrder, DAY } from "../segments/fixtures.ts";

/** `KPI_QUERIES.repeat` before member_stats carried `prev_order_at`. */
const REPEAT_FROM_ORDERS = ({ merchantId, from, to }: KpiWindow): SQL => sql`
      select count(*) filter (where n >= 2) as repeaters, count(*) as buyers from (
        select member_id, count(*) as n from orders
        where merchant_id = ${merchantId} and member_id is not null and placed_at > ${from}::timestamptz and placed_at <= ${to}::timestamptz
        group by member_id) x`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

type Counts = { buyers: number; repeaters: number };
const counts = (rows: Record<string, unknown>[]): Counts => ({
  buyers: Number(rows[0]?.buyers ?? 0),
  repeaters: Number(rows[0]?.repeaters ?? 0),
});

async function compare(w: KpiWindow): Promise<Counts> {
  const db = s.database.db;
  const ours = counts(await readSession(db, (tx) => runKpi(tx, "repeat", w)));
  const direct = counts(await queryRows(db, REPEAT_FROM_ORDERS(w), AnyRow));
  expect(ours, `window ${w.from} … ${w.to}`).toEqual(direct);
  return ours;
}

/** Instants around the local midnight that starts `day` in `tz` (UTC offset of that zone, whole hours). */
function nowsAround(midnightUtc: number): Date[] {
  return [-1, 0, 1, 3_600_000, 12 * 3_600_000].map((d) => new Date(midnightUtc + d));
}

describe.each([
  { tz: "Asia/Ho_Chi_Minh", midnight: Date.parse("2026-11-19T17:00:00Z") },
  { tz: "America/Havana", midnight: Date.parse("2026-11-20T05:00:00Z") },
])("repeat from member_stats ($tz)", ({ tz, midnight }) => {
  it("equals the window's orders grouped by member, on random histories and windows", async () => {
    const db = s.database.db;
    const { merchantId } = await createMerchant(db, { name: `repeat ${tz}`, timezone: tz });
    const base = new Date(midnight);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await addMember(db, merchantId, {}, base));
    const member = fc.option(fc.constantFrom(...ids), { nil: null, freq: 6 });
    // Offsets from local midnight: whole days (so several orders share an instant and land on window bounds) plus
    // a few ms either side; negative = future-dated.
    const offset = fc.record({
      days: fc.integer({ min: -5, max: 400 }),
      ms: fc.constantFrom(0, 0, 1, -1, 3_600_000, -3_600_000),
    });
    const at = (o: { days: number; ms: number }) => new Date(midnight - o.days * DAY + o.ms);
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), member, at: offset }) },
      fc.record({ kind: fc.constant("refund" as const), pick: fc.nat(), part: fc.constantFrom(0, 50, 100) }),
      fc.record({ kind: fc.constant("move" as const), pick: fc.nat(), at: offset }),
      fc.record({ kind: fc.constant("reassign" as const), pick: fc.nat(), member }),
      fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
    );
    const orderIds: string[] = [];
    let sawRepeat = false;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        for (const o of ops) {
          if (o.kind === "insert") {
            orderIds.push(
              await addOrder(db, merchantId, o.member, { at: at(o.at), total: o.at.days % 3 === 0 ? 0 : 100 }),
            );
            continue;
          }
          const id = orderIds[o.pick % Math.max(1, orderIds.length)];
          if (id === undefined) continue;
          if (o.kind === "refund")
            await db.execute(
              sql`update orders set refunded_total = total * ${o.part} / 100 where merchant_id = ${merchantId} and id = ${id}`,
            );
          else if (o.kind === "move")
            await db.execute(
              sql`update orders set placed_at = ${at(o.at).toISOString()}::timestamptz where merchant_id = ${merchantId} and id = ${id}`,
            );
          else if (o.kind === "reassign")
            await db.execute(
              sql`update orders set member_id = ${o.member} where merchant_id = ${merchantId} and id = ${id}`,
            );
          else {
            await db.execute(sql`delete from order_items where merchant_id = ${merchantId} and order_id = ${id}`);
            await db.execute(sql`delete from orders where merchant_id = ${merchantId} and id = ${id}`);
            orderIds.splice(orderIds.indexOf(id), 1);
          }
        }
        for (const now of nowsAround(midnight))
          for (const days of [1, 7, 30, 365]) {
            const c = await compare(await summaryWindow(db, merchantId, now, days));
            if (c.repeaters > 0 && c.repeaters < c.buyers) sawRepeat = true;
          }
      }),
      { numRuns: 30, seed: 1812 },
    );
    // The histories were not trivial: some window had repeaters and one-time buyers both.
    expect(sawRepeat).toBe(true);
  });
});

describe("repeat from member_stats", () => {
  it("reads prev_order_at (a corrupted value changes the answer) and counts future-dated members from orders", async () => {
    const db = s.database.db;
    const { merchantId } = await createMerchant(db, { name: "repeat corrupt", timezone: "Asia/Ho_Chi_Minh" });
    const now = new Date("2026-11-20T03:00:00Z");
    const ago = (d: number) => new Date(now.getTime() - d * DAY);
    const twice = await addMember(db, merchantId, { orders: [{ at: ago(2) }, { at: ago(5) }] }, now);
    await addMember(db, merchantId, { orders: [{ at: ago(3) }, { at: ago(40) }] }, now);
    // Two orders in the window and one after `now`: counted from its orders, not from last/prev.
    await addMember(db, merchantId, { orders: [{ at: ago(1) }, { at: ago(4) }, { at: ago(-10) }] }, now);
    const w = await summaryWindow(db, merchantId, now, 30);
    expect(await compare(w)).toEqual({ buyers: 3, repeaters: 2 });
    await db.execute(
      sql`update member_stats set prev_order_at = ${ago(100).toISOString()}::timestamptz where merchant_id = ${merchantId} and member_id = ${twice}`,
    );
    const ours = counts(await readSession(db, (tx) => runKpi(tx, "repeat", w)));
    expect(ours).toEqual({ buyers: 3, repeaters: 1 });
  });
});
