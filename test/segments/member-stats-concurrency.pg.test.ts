/**
 * member_stats under real concurrency (Postgres): parallel orders through both API paths and parallel refunds on
 * the same members leave every summary row equal to the facts aggregated from orders (deltas commute; first/last
 * order are re-read only under the row lock).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { resultRows } from "../../src/db/rows.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  expect(s.database.kind).toBe("postgres");
});
afterAll(async () => {
  await s.close();
});

describe("member_stats under concurrency", () => {
  it("parallel orders (memberId and memberPhone paths) and refunds of three members stay exact", async () => {
    const { api, merchantId } = await s.merchant();
    const phones = ["0914000001", "0914000002", "0914000003"];
    const ids: string[] = [];
    for (const phone of phones) ids.push((await api("POST", "/v1/members", { phone })).body.id);
    const order = (i: number) =>
      api("POST", "/v1/orders", {
        externalId: `C-${i}`,
        channel: "pos",
        ...(i % 2 ? { memberId: ids[i % 3] } : { memberPhone: phones[i % 3] }),
        placedAt: new Date(Date.UTC(2026, 9, 1) + i * 3_600_000).toISOString(),
        items: [{ sku: "CF", quantity: 2, unitPrice: 1000 + i }],
      });
    const first = await Promise.all(Array.from({ length: 24 }, (_, i) => order(i)));
    expect(first.every((r) => r.status === 201)).toBe(true);
    // Refunds of the first orders race new orders of the same members.
    const second = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => order(24 + i)),
      ...Array.from({ length: 12 }, (_, i) =>
        api("POST", `/v1/orders/C-${i}/refunds`, {
          externalId: `CR-${i}`,
          ...(i % 2 ? {} : { items: [{ sku: "CF", quantity: 1 }] }),
        }),
      ),
    ]);
    expect(second.every((r) => r.status === 201)).toBe(true);
    const facts = (table: "member_stats" | "orders") =>
      table === "member_stats"
        ? sql`select member_id, first_order_at::text as f, last_order_at::text as l, order_count::text as c, net_spend::text as n
              from member_stats where merchant_id = ${merchantId} order by member_id`
        : sql`select member_id, min(placed_at)::text as f, max(placed_at)::text as l,
                     (count(*) filter (where total = 0 or refunded_total < total))::text as c,
                     sum(total - refunded_total)::text as n
              from orders where merchant_id = ${merchantId} and member_id is not null group by member_id order by member_id`;
    const stored = await resultRows<{ c: string }>(await s.database.db.execute(facts("member_stats")));
    expect(stored).toHaveLength(3);
    expect(stored).toEqual(await resultRows(await s.database.db.execute(facts("orders"))));
    // 36 orders, 6 refunded in full: 30 still count.
    expect(stored.reduce((a, r) => a + Number(r.c), 0)).toBe(30);
  });
});
