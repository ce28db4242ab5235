/** Real concurrency on the Postgres server: parallel HTTP requests through a pooled postgres.js client. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { checkInvariants } from "../ledger/invariants.ts";
import { sql } from "drizzle-orm";
import { resultRows } from "../../src/db/rows.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  expect(s.database.kind).toBe("postgres");
});
afterAll(async () => {
  await s.close();
});

describe("concurrency on real Postgres", () => {
  it("50 parallel redemptions against one balance: exactly ⌊balance/cost⌋ succeed, balance ≥ 0", async () => {
    const { api, merchantId } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0912000001" });
    await api("POST", `/v1/members/${m.body.id}/adjustments`, { points: 230, reason: "setup" });
    const reward = await api("POST", "/v1/rewards", { name: "Coffee", cost: 30, kind: "product" });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api(
          "POST",
          `/v1/members/${m.body.id}/redemptions`,
          { rewardId: reward.body.id },
          { "idempotency-key": `r-${i}` },
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(ok).toHaveLength(Math.floor(230 / 30));
    expect(refused).toHaveLength(50 - 7);
    for (const r of refused) expect(r.body.type).toMatch(/\/insufficient-points$/);
    const v = (await api("GET", `/v1/members/${m.body.id}`)).body;
    expect(v.points.balance).toBe(230 - 7 * 30);
    expect(new Set(ok.map((r) => r.body.code)).size).toBe(7);
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("parallel redemptions by many members never oversell stock", async () => {
    const { api, merchantId } = await s.merchant();
    const reward = await api("POST", "/v1/rewards", { name: "Mug", cost: 10, kind: "product", stock: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const m = await api("POST", "/v1/members", { phone: `09130000${String(i).padStart(2, "0")}` });
      await api("POST", `/v1/members/${m.body.id}/adjustments`, { points: 100, reason: "setup" });
      ids.push(m.body.id);
    }
    const results = await Promise.all(
      ids.map((id) => api("POST", `/v1/members/${id}/redemptions`, { rewardId: reward.body.id })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409).every((r) => /out-of-stock$/.test(r.body.type))).toBe(true);
    expect((await api("GET", `/v1/rewards/${reward.body.id}`)).body.stock).toBe(0);
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("20 parallel posts of the same order: one earn, every response identical", async () => {
    const { api, merchantId } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0914000001" });
    const body = { externalId: "DUP-1", memberId: m.body.id, items: [{ sku: "A", quantity: 2, unitPrice: 55000 }] };
    const results = await Promise.all(Array.from({ length: 20 }, () => api("POST", "/v1/orders", body)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const ledger = (await api("GET", `/v1/members/${m.body.id}/ledger`)).body.entries;
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ kind: "earn", points: 11 });
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("parallel orders, refunds and redemptions on one member keep the invariants", async () => {
    const { api, merchantId } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0915000001" });
    const reward = await api("POST", "/v1/rewards", { name: "Cake", cost: 7, kind: "product" });
    for (let i = 0; i < 10; i++)
      await api("POST", "/v1/orders", {
        externalId: `P-${i}`,
        memberId: m.body.id,
        items: [{ sku: "A", quantity: 1, unitPrice: 100000 }],
      });
    const work = [
      ...Array.from({ length: 10 }, (_, i) =>
        api("POST", "/v1/orders", {
          externalId: `Q-${i}`,
          memberId: m.body.id,
          items: [{ sku: "B", quantity: 1, unitPrice: 30000 }],
        }),
      ),
      ...Array.from({ length: 10 }, (_, i) => api("POST", `/v1/orders/P-${i}/refunds`, { externalId: `RF-${i}` })),
      ...Array.from({ length: 15 }, (_, i) =>
        api(
          "POST",
          `/v1/members/${m.body.id}/redemptions`,
          { rewardId: reward.body.id },
          { "idempotency-key": `c-${i}` },
        ),
      ),
    ];
    const results = await Promise.all(work);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });
});

describe("cancel vs use of one voucher on real Postgres", () => {
  it("parallel cancels and uses: exactly one kind wins, points and stock exact", async () => {
    const { api, merchantId } = await s.merchant();
    for (let round = 0; round < 5; round++) {
      const m = (await api("POST", "/v1/members", { phone: `09130000${10 + round}` })).body;
      await api("POST", `/v1/members/${m.id}/adjustments`, { points: 100, reason: "setup" });
      const reward = (await api("POST", "/v1/rewards", { name: `Cup ${round}`, cost: 40, kind: "product", stock: 2 }))
        .body;
      const red = (await api("POST", `/v1/members/${m.id}/redemptions`, { rewardId: reward.id })).body;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? api("POST", `/v1/redemptions/${red.redemptionId}/cancel`).then((r) => ({ op: "cancel", r }))
            : api("POST", `/v1/vouchers/${red.code}/use`).then((r) => ({ op: "use", r })),
        ),
      );
      const cancelled = results.filter((x) => x.op === "cancel" && x.r.status < 300);
      const used = results.filter((x) => x.op === "use" && x.r.status === 200);
      // Either the voucher was used (no cancel succeeded) or cancelled (no use succeeded).
      expect(cancelled.length === 0 || used.length === 0).toBe(true);
      expect(cancelled.length + used.length).toBeGreaterThan(0);
      expect(used.length).toBeLessThanOrEqual(1);
      expect(cancelled.filter((x) => x.r.status === 201)).toHaveLength(cancelled.length > 0 ? 1 : 0);
      const balance = (await api("GET", `/v1/members/${m.id}`)).body.points.balance;
      const stock = (await api("GET", `/v1/rewards/${reward.id}`)).body.stock;
      if (used.length === 1) expect([balance, stock]).toEqual([60, 1]);
      else expect([balance, stock]).toEqual([100, 2]);
    }
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });
});

// member_stats (docs/member-stats.md): deltas and the top-2 (last, prev) commute; first/last/prev are re-read only
// under the row lock.
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
        ? sql`select member_id, first_order_at::text as f, last_order_at::text as l, prev_order_at::text as p,
                     order_count::text as c, net_spend::text as n
              from member_stats where merchant_id = ${merchantId} order by member_id`
        : sql`select member_id, min(placed_at)::text as f, max(placed_at)::text as l,
                     ((array_agg(placed_at order by placed_at desc))[2])::text as p,
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
