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
