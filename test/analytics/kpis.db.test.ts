/**
 * Program KPIs (GET /v1/analytics/kpis) and monthly cohorts (GET /v1/analytics/cohorts), every figure checked
 * against a small dataset computed by hand: members vs guests, a refund, a redemption, an expiry, three months of
 * orders, another merchant's rows that must not leak in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";

let s: TestServer;
const T = new Date("2026-11-20T03:00:00Z"); // 10:00 in Asia/Ho_Chi_Minh
const ago = (days: number) => new Date(T.getTime() - days * 86_400_000);
let shop: Api;
let other: Api;

async function order(api: Api, externalId: string, memberId: string | null, unitPrice: number, quantity = 1) {
  const r = await api("POST", "/v1/orders", {
    externalId,
    ...(memberId ? { memberId } : {}),
    placedAt: s.clock.now().toISOString(),
    items: [{ sku: "A", quantity, unitPrice }],
  });
  expect(r.status).toBe(201);
}

beforeAll(async () => {
  s = await startTestServer();
  shop = (await s.merchant("Shop")).api;
  other = (await s.merchant("Other")).api;
  const at = (days: number) => s.clock.set(ago(days));

  // W0 = (T−90d, T−60d], W1 = previous period (T−60d, T−30d], W2 = current period (T−30d, T].
  at(70);
  expect((await shop("PUT", "/v1/program", { pointsExpireDays: 15 })).status).toBe(200);
  const a = (await shop("POST", "/v1/members", { phone: "0910000001" })).body.id;
  const b = (await shop("POST", "/v1/members", { phone: "0910000002" })).body.id;
  await order(shop, "o1", a, 100_000); // a: +10, expires at T−55d
  // Later lots never expire; a point is worth 100 ₫.
  expect((await shop("PUT", "/v1/program", { pointValue: 100 })).status).toBe(200);
  at(54);
  expect((await shop("POST", "/v1/jobs/expire")).body).toEqual({ members: 1, points: 10 });
  at(45);
  await order(shop, "o2", a, 200_000); // +20
  await order(shop, "o3", b, 50_000); // +5
  await order(shop, "o4", null, 100_000);
  at(10);
  const c = (await shop("POST", "/v1/members", { phone: "0910000003" })).body.id;
  await order(shop, "o5", a, 100_000, 3); // +30
  await order(shop, "o6", a, 100_000); // +10
  await order(shop, "o7", c, 200_000); // +20
  await order(shop, "o8", null, 50_000);
  await order(shop, "o9", null, 150_000);
  expect(
    (await shop("POST", "/v1/orders/o5/refunds", { externalId: "r5", items: [{ sku: "A", quantity: 1 }] })).status,
  ).toBe(201);
  at(5);
  const reward = await shop("POST", "/v1/rewards", { name: "Voucher", cost: 15, kind: "voucher", value: 30_000 });
  expect((await shop("POST", `/v1/members/${a}/redemptions`, { rewardId: reward.body.id })).status).toBe(201);

  // The other merchant: big numbers at the same instants, and a voucher that prices its points.
  at(45);
  const x = (await other("POST", "/v1/members", { phone: "0910000001" })).body.id;
  await order(other, "o1", x, 9_000_000);
  at(10);
  await order(other, "o2", x, 7_000_000);
  await order(other, "o3", null, 1_000_000);
  await other("POST", "/v1/rewards", { name: "V", cost: 10, kind: "voucher", value: 50_000 });
  s.clock.set(T);
});
afterAll(async () => {
  await s.close();
});

const ratio = (numerator: number, denominator: number, value: number | null) => ({ numerator, denominator, value });

describe("GET /v1/analytics/kpis", () => {
  it("computes each KPI for the period and the previous one", async () => {
    const r = await shop("GET", "/v1/analytics/kpis?days=30");
    expect(r.status).toBe(200);
    expect(r.body.period).toEqual({
      days: 30,
      from: ago(30).toISOString(),
      to: T.toISOString(),
      timezone: "Asia/Ho_Chi_Minh",
    });
    expect(r.body.previousPeriod).toEqual({ from: ago(60).toISOString(), to: ago(30).toISOString() });
    const k = r.body.kpis;
    // Current: members a (o5 300k − 100k refunded, o6 100k) and c (o7 200k); guests o8 50k + o9 150k.
    // Previous: a (o2 200k), b (o3 50k); guest o4 100k.
    expect(k.orders).toEqual({ current: { member: 3, guest: 2 }, previous: { member: 2, guest: 1 } });
    expect(k.revenue).toEqual({
      current: { member: 500_000, guest: 200_000 },
      previous: { member: 250_000, guest: 100_000 },
    });
    expect(k.memberShare).toEqual({ current: ratio(3, 5, 0.6), previous: ratio(2, 3, 0.6667) });
    expect(k.memberRevenueShare).toEqual({
      current: ratio(500_000, 700_000, 0.7143),
      previous: ratio(250_000, 350_000, 0.7143),
    });
    expect(k.buyers).toEqual({ current: 2, previous: 2 });
    // Previous buyers a, b → a bought again: 1/2. Before that only a (o1), who bought in the previous period: 1/1.
    expect(k.retention).toEqual({ current: ratio(1, 2, 0.5), previous: ratio(1, 1, 1) });
    expect(k.purchaseFrequency).toEqual({ current: ratio(3, 2, 1.5), previous: ratio(2, 2, 1) });
    expect(k.averageOrderValueMember).toEqual({
      current: ratio(500_000, 3, 166_667),
      previous: ratio(250_000, 2, 125_000),
    });
    expect(k.averageOrderValueGuest).toEqual({
      current: ratio(200_000, 2, 100_000),
      previous: ratio(100_000, 1, 100_000),
    });
    // Issued: 30 + 10 + 20 (the refund's −10 is a reversal, not negative issuance); before: 20 + 5.
    expect(k.pointsIssued).toEqual({ current: 60, previous: 25 });
    expect(k.pointsRedeemed).toEqual({ current: 15, previous: 0 });
    expect(k.redemptionRate).toEqual({ current: ratio(15, 60, 0.25), previous: ratio(0, 25, 0) });
    // Members at the period end: a, b, c (c joined at T−10d) and a, b.
    expect(k.redeemerShare).toEqual({ current: ratio(1, 3, 0.3333), previous: ratio(0, 2, 0) });
    // Balances now: a 10 − 10 + 20 + 30 + 10 − 10 − 15 = 35, b 5, c 20 → 60; at T−30d: a 20, b 5 → 25.
    // Breakage: 10 expired ÷ 95 issued over 12 months (60 + 25 + 10) now; 10 ÷ 35 at T−30d.
    expect(k.pointsLiability).toEqual({
      current: { points: 60, value: 6000, breakageRate: ratio(10, 95, 0.1053), expectedBreakage: 632, net: 5368 },
      previous: { points: 25, value: 2500, breakageRate: ratio(10, 35, 0.2857), expectedBreakage: 714, net: 1786 },
    });
    expect(r.body.pointValue).toEqual({ value: 100, source: "program" });
    expect(r.body.liabilityMethod).toMatch(/12 months/);
  });

  it("keeps each merchant's figures to itself and derives the point value from its vouchers", async () => {
    const r = await other("GET", "/v1/analytics/kpis");
    expect(r.status).toBe(200);
    const k = r.body.kpis;
    expect(k.orders).toEqual({ current: { member: 1, guest: 1 }, previous: { member: 1, guest: 0 } });
    expect(k.revenue.current).toEqual({ member: 7_000_000, guest: 1_000_000 });
    expect(k.retention.current).toEqual(ratio(1, 1, 1));
    expect(k.redeemerShare.current).toEqual(ratio(0, 1, 0));
    // 900 + 700 points, no expiry; 50,000 ₫ ÷ 10 points = 5,000 ₫ per point.
    expect(r.body.pointValue).toEqual({ value: 5000, source: "vouchers" });
    expect(k.pointsLiability.current).toEqual({
      points: 1600,
      value: 8_000_000,
      breakageRate: ratio(0, 1600, 0),
      expectedBreakage: 0,
      net: 8_000_000,
    });
  });

  it("defaults the point value to 1 % of the spend that earns a point, and rejects a bad window", async () => {
    const fresh = (await s.merchant("Fresh")).api;
    const r = await fresh("GET", "/v1/analytics/kpis?days=7");
    expect(r.status).toBe(200);
    expect(r.body.pointValue).toEqual({ value: 100, source: "default" });
    expect(r.body.kpis.retention.current).toEqual(ratio(0, 0, null));
    expect((await fresh("GET", "/v1/analytics/kpis?days=0")).status).toBe(400);
    expect((await fresh("GET", "/v1/analytics/kpis?days=abc")).status).toBe(400);
  });

  it("reports the summary's member share of orders and of revenue side by side", async () => {
    const r = await shop("GET", "/v1/analytics/summary?days=30");
    expect(r.body.orders.memberShare).toBe(0.6);
    expect(r.body.orders.memberRevenueShare).toBeCloseTo(500_000 / 700_000, 10);
  });
});

describe("GET /v1/analytics/cohorts", () => {
  it("groups members by first-order month and counts who ordered in each later month", async () => {
    const r = await shop("GET", "/v1/analytics/cohorts?months=12");
    expect(r.status).toBe(200);
    // a: Sep (o1), Oct (o2), Nov (o5, o6); b: Oct; c: Nov (local months).
    expect(r.body.cohorts).toEqual([
      {
        month: "2026-09",
        members: 1,
        retention: [
          { monthsSince: 0, buyers: 1, share: 1 },
          { monthsSince: 1, buyers: 1, share: 1 },
          { monthsSince: 2, buyers: 1, share: 1 },
        ],
      },
      {
        month: "2026-10",
        members: 1,
        retention: [
          { monthsSince: 0, buyers: 1, share: 1 },
          { monthsSince: 1, buyers: 0, share: 0 },
        ],
      },
      { month: "2026-11", members: 1, retention: [{ monthsSince: 0, buyers: 1, share: 1 }] },
    ]);
    // Two months back: a's first order (September) is before the window, so a is in no cohort.
    const two = await shop("GET", "/v1/analytics/cohorts?months=2");
    expect(two.body.from).toBe("2026-09-30T17:00:00.000Z");
    expect(two.body.cohorts.map((c: { month: string; members: number }) => [c.month, c.members])).toEqual([
      ["2026-10", 1],
      ["2026-11", 1],
    ]);
    expect((await shop("GET", "/v1/analytics/cohorts?months=0")).status).toBe(400);
  });

  it("computes shares over several members", async () => {
    const m = (await s.merchant("Cohorts")).api;
    const ids: string[] = [];
    for (const phone of ["0920000001", "0920000002", "0920000003"])
      ids.push((await m("POST", "/v1/members", { phone })).body.id);
    const [p, q, rr] = ids as [string, string, string];
    const put = async (id: string, memberId: string, placedAt: string) =>
      expect(
        (
          await m("POST", "/v1/orders", {
            externalId: id,
            memberId,
            placedAt,
            items: [{ sku: "A", quantity: 1, unitPrice: 10_000 }],
          })
        ).status,
      ).toBe(201);
    await put("1", p, "2026-10-05T03:00:00Z");
    await put("2", p, "2026-11-05T03:00:00Z");
    await put("3", q, "2026-10-31T16:59:00Z"); // 23:59 on 31 Oct local
    await put("4", rr, "2026-10-31T17:00:00Z"); // 00:00 on 1 Nov local
    const r = await m("GET", "/v1/analytics/cohorts?months=3");
    expect(r.body.cohorts).toEqual([
      {
        month: "2026-10",
        members: 2,
        retention: [
          { monthsSince: 0, buyers: 2, share: 1 },
          { monthsSince: 1, buyers: 1, share: 0.5 },
        ],
      },
      { month: "2026-11", members: 1, retention: [{ monthsSince: 0, buyers: 1, share: 1 }] },
    ]);
  });
});
