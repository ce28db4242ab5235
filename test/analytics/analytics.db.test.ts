/** KPI numbers checked by hand on a small fixture. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("GET /v1/analytics/summary", () => {
  it("computes members, orders, points and rates over the window", async () => {
    const { api } = await s.merchant();
    const other = await s.merchant();
    await other.api("POST", "/v1/orders", { externalId: "X", items: [{ sku: "A", quantity: 1, unitPrice: 999999 }] });
    const a = (await api("POST", "/v1/members", { phone: "0910000001" })).body.id;
    const b = (await api("POST", "/v1/members", { phone: "0910000002" })).body.id;
    await api("POST", "/v1/members", { phone: "0910000003" });
    const now = s.clock.now().getTime();
    const at = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
    await api("POST", "/v1/orders", {
      externalId: "1",
      memberId: a,
      placedAt: at(2),
      items: [{ sku: "A", quantity: 1, unitPrice: 100000 }],
    });
    await api("POST", "/v1/orders", {
      externalId: "2",
      memberId: a,
      placedAt: at(1),
      items: [{ sku: "A", quantity: 2, unitPrice: 50000 }],
    });
    await api("POST", "/v1/orders", {
      externalId: "3",
      memberId: b,
      placedAt: at(1),
      channel: "online",
      items: [{ sku: "B", quantity: 1, unitPrice: 60000 }],
    });
    await api("POST", "/v1/orders", {
      externalId: "4",
      placedAt: at(1),
      items: [{ sku: "B", quantity: 1, unitPrice: 40000 }],
    });
    await api("POST", "/v1/orders", {
      externalId: "old",
      memberId: b,
      placedAt: at(60),
      items: [{ sku: "B", quantity: 1, unitPrice: 500000 }],
    });
    await api("POST", "/v1/orders/2/refunds", { externalId: "r2", items: [{ sku: "A", quantity: 1 }] });
    const reward = await api("POST", "/v1/rewards", { name: "Cup", cost: 5, kind: "perk" });
    await api("POST", `/v1/members/${a}/redemptions`, { rewardId: reward.body.id });

    const r = await api("GET", "/v1/analytics/summary?days=30");
    expect(r.status).toBe(200);
    const k = r.body;
    expect(k.members).toMatchObject({ total: 3, new: 3, active: 2 });
    // orders in window: 1 (100k), 2 (100k − 50k refunded), 3 (60k online), 4 (40k guest)
    expect(k.orders).toMatchObject({ count: 4, revenue: 250000, averageOrderValue: 62500, memberShare: 0.75 });
    // members: 100k + 50k (after the refund) + 60k of 250k
    expect(k.orders.memberRevenueShare).toBeCloseTo(210000 / 250000, 10);
    expect(k.orders.byChannel).toEqual([
      { channel: "pos", orders: 3, revenue: 190000 },
      { channel: "online", orders: 1, revenue: 60000 },
    ]);
    // issued (entries created now): 10 + 10 + 6 + 50 = 76; refund reverses 5 (not counted as issued); redeemed 5
    expect(k.points).toMatchObject({ issued: 76, redeemed: 5, expired: 0, outstanding: 66 });
    expect(k.points.redemptionRate).toBeCloseTo(5 / 76, 6);
    expect(k.repeatPurchaseRate).toBe(0.5);
    expect(k.topRewards).toEqual([{ id: reward.body.id, name: "Cup", redemptions: 1, points: 5 }]);
    expect(k.daily).toHaveLength(31);
    expect(k.daily.reduce((x: number, d: { orders: number }) => x + d.orders, 0)).toBe(4);
    expect((await api("GET", "/v1/analytics/summary?days=0")).status).toBe(400);
  });
});
