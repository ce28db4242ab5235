/**
 * GET /v1/analytics/summary|kpis|cohorts?storeId=: the order figures of one store (live daily orders/revenue); kpis
 * and cohorts with the filter equal the figures of a merchant holding only that store's orders.
 */
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

  it("kpis and cohorts with storeId = the figures computed from only that store's orders", async () => {
    // x holds orders at stores A and B and without a store; y holds only x's orders at A (same members, same days).
    const x = await s.merchant();
    const y = await s.merchant();
    const a = (await x.api("POST", "/v1/stores", { code: "A", name: "A" })).body.id;
    const b = (await x.api("POST", "/v1/stores", { code: "B", name: "B" })).body.id;
    const ya = (await y.api("POST", "/v1/stores", { code: "A", name: "A" })).body.id;
    const phones = ["0914100001", "0914100002", "0914100003"];
    const xm: string[] = [];
    const ym: string[] = [];
    for (const phone of phones) {
      xm.push((await x.api("POST", "/v1/members", { phone })).body.id);
      ym.push((await y.api("POST", "/v1/members", { phone })).body.id);
    }
    const now = s.clock.now().getTime();
    let n = 0;
    const order = async (at: "A" | "B" | null, days: number, price: number, member: number | null) => {
      const body = (mem: string[], storeId: string | null) => ({
        externalId: `k${n}`,
        ...(member === null ? {} : { memberId: mem[member] }),
        ...(storeId ? { storeId } : {}),
        placedAt: new Date(now - days * DAY).toISOString(),
        items: [{ sku: "CF", quantity: 1, unitPrice: price }],
      });
      expect((await x.api("POST", "/v1/orders", body(xm, at === "A" ? a : at === "B" ? b : null))).status).toBe(201);
      if (at === "A") expect((await y.api("POST", "/v1/orders", body(ym, ya))).status).toBe(201);
      n++;
    };
    // Member 0: at B long ago (before the cohort window) and at A since — a cohort member only at A.
    await order("B", 500, 9_000, 0);
    await order("A", 40, 10_000, 0);
    await order("A", 5, 12_000, 0);
    // Member 1: A in the previous period and the current one (retained at A); B in the current one too.
    await order("A", 20, 30_000, 1);
    await order("A", 2, 31_000, 1);
    await order("B", 3, 50_000, 1);
    // Member 2: only B and no store; guests at A, B and no store.
    await order("B", 4, 7_000, 2);
    await order(null, 100, 8_000, 2);
    await order("A", 1, 4_000, null);
    await order("A", 18, 6_000, null);
    await order("B", 1, 60_000, null);
    await order(null, 2, 2_000, null);

    const xAll = (await x.api("GET", "/v1/analytics/kpis?days=14")).body;
    const xa = await x.api("GET", `/v1/analytics/kpis?days=14&storeId=${a}`);
    expect(xa.status).toBe(200);
    const yAll = (await y.api("GET", "/v1/analytics/kpis?days=14")).body;
    const orderKpis = [
      "orders",
      "revenue",
      "memberShare",
      "memberRevenueShare",
      "buyers",
      "retention",
      "purchaseFrequency",
      "averageOrderValueMember",
      "averageOrderValueGuest",
    ];
    for (const k of orderKpis) expect([k, xa.body.kpis[k]]).toEqual([k, yAll.kpis[k]]);
    expect(xa.body.kpis.orders.current).toEqual({ member: 2, guest: 1 });
    expect(xa.body.kpis.retention.current).toMatchObject({ numerator: 1, denominator: 1 });
    // The filter changes something, and the points figures stay merchant-wide.
    expect(xAll.kpis.orders).not.toEqual(xa.body.kpis.orders);
    for (const k of ["pointsIssued", "pointsRedeemed", "redemptionRate", "redeemerShare", "pointsLiability"])
      expect([k, xa.body.kpis[k]]).toEqual([k, xAll.kpis[k]]);
    expect(xa.body.pointValue).toEqual(xAll.pointValue);

    const xc = await x.api("GET", `/v1/analytics/cohorts?months=12&storeId=${a}`);
    expect(xc.status).toBe(200);
    const yc = (await y.api("GET", "/v1/analytics/cohorts?months=12")).body;
    expect(xc.body).toEqual(yc);
    const cohortMembers = (c: { cohorts: { members: number }[] }) => c.cohorts.reduce((t, k) => t + k.members, 0);
    expect(cohortMembers(xc.body)).toBe(2);
    // Unfiltered, member 0 is no cohort member (ordered before the window, at B); member 2 is.
    const xcAll = (await x.api("GET", "/v1/analytics/cohorts?months=12")).body;
    expect(cohortMembers(xcAll)).toBe(2);
    expect(xcAll).not.toEqual(xc.body);
  });

  it("an unknown or another merchant's store → 400 at storeId", async () => {
    const { api } = await s.merchant();
    const other = await s.merchant();
    const foreign = (await other.api("POST", "/v1/stores", { code: "F", name: "F" })).body.id;
    for (const path of ["summary", "kpis", "cohorts"])
      for (const id of ["sto_nope", foreign]) {
        const r = await api("GET", `/v1/analytics/${path}?storeId=${id}`);
        expect([path, r.status]).toEqual([path, 400]);
        expect(r.headers.get("content-type")).toContain("application/problem+json");
        expect(r.body.errors[0].path).toBe("storeId");
      }
  });
});
