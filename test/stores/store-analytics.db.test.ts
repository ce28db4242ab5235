/** GET /v1/analytics/summary?storeId=: the order figures of one store (live daily orders/revenue). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const DAY = 86_400_000;

describe("analytics by store", () => {
  it("limits order count, revenue, byChannel, buyers and the daily series to the store", async () => {
    const { api } = await s.merchant();
    const a = (await api("POST", "/v1/stores", { code: "A", name: "A" })).body.id;
    const b = (await api("POST", "/v1/stores", { code: "B", name: "B" })).body.id;
    const m = (await api("POST", "/v1/members", { phone: "0914000001" })).body.id;
    const now = s.clock.now().getTime();
    let n = 0;
    const order = async (storeId: string | undefined, days: number, price: number, member = false) =>
      expect(
        (
          await api("POST", "/v1/orders", {
            externalId: `o${n++}`,
            ...(member ? { memberId: m } : {}),
            ...(storeId ? { storeId } : {}),
            placedAt: new Date(now - days * DAY).toISOString(),
            items: [{ sku: "CF", quantity: 1, unitPrice: price }],
          })
        ).status,
      ).toBe(201);
    await order(a, 3, 10_000, true);
    await order(a, 3, 20_000);
    await order(a, 10, 5_000, true);
    await order(b, 3, 70_000, true);
    await order(undefined, 1, 1_000);
    const all = (await api("GET", "/v1/analytics/summary?days=30")).body;
    expect(all.orders.count).toBe(5);
    const atA = await api("GET", `/v1/analytics/summary?days=30&storeId=${a}`);
    expect(atA.status).toBe(200);
    expect(atA.body.orders).toMatchObject({ count: 3, revenue: 35_000, byChannel: [{ channel: "pos", orders: 3 }] });
    expect(atA.body.members.active).toBe(1);
    expect(atA.body.repeatPurchaseRate).toBe(1);
    const daily = atA.body.daily as { orders: number; revenue: number }[];
    expect(daily.reduce((x, d) => x + d.orders, 0)).toBe(3);
    expect(daily.reduce((x, d) => x + d.revenue, 0)).toBe(35_000);
    expect(daily.filter((d) => d.orders > 0).map((d) => d.orders)).toEqual([1, 2]);
    // Points stay merchant-wide.
    expect(atA.body.points).toEqual(all.points);
    const atB = (await api("GET", `/v1/analytics/summary?days=30&storeId=${b}`)).body;
    expect(atB.orders).toMatchObject({ count: 1, revenue: 70_000 });
  });

  it("an unknown or another merchant's store → 400 at storeId", async () => {
    const { api } = await s.merchant();
    const other = await s.merchant();
    const foreign = (await other.api("POST", "/v1/stores", { code: "F", name: "F" })).body.id;
    for (const id of ["sto_nope", foreign]) {
      const r = await api("GET", `/v1/analytics/summary?storeId=${id}`);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe("storeId");
    }
  });
});
