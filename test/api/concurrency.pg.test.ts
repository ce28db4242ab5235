/** Real concurrency on the Postgres server: parallel HTTP requests through a pooled postgres.js client. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { checkInvariants } from "../ledger/invariants.ts";

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
