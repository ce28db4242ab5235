/**
 * Points columns are bigint (issue 16): an order earning more than 2^31 points is written exactly on both order paths,
 * and the balance, the ledger history, the order, refunds, redemptions and adjustments add up to the point. A balance
 * is bounded at MAX_POINTS (2^53 − 1, exact in JSON): an order or an adjustment past it is a 400, nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offerTemplate } from "../../src/llm/offer-facts.ts";
import { MAX_MONEY, MAX_POINTS } from "../../src/lib/validate.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { checkInvariants } from "./invariants.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const INT4_LIMIT = 2 ** 31;

async function entries(api: Api, memberId: string): Promise<{ kind: string; points: number }[]> {
  const l = await api("GET", `/v1/members/${memberId}/ledger?limit=1000`);
  expect(l.status).toBe(200);
  return l.body.entries;
}

async function balance(api: Api, memberId: string): Promise<number> {
  const m = await api("GET", `/v1/members/${memberId}`);
  expect(m.status).toBe(200);
  return m.body.points.balance;
}

describe("points past int4", () => {
  it("orders (both paths), a refund, a redemption and an adjustment past 2^31 add up exactly", async () => {
    const { api, merchantId } = await s.merchant();
    expect((await api("PUT", "/v1/program", { earn: { spend: 1, points: 1000 } })).status).toBe(200);
    const m = await api("POST", "/v1/members", { phone: "0912345001", name: "Lan" });
    expect(m.status).toBe(201);
    const id: string = m.body.id;

    // One statement path (by memberId): 4,294,967,297 đ × 1000 = 4,294,967,297,000 points (> 2^32).
    const first = await api("POST", "/v1/orders", {
      externalId: "BIG-1",
      memberId: id,
      items: [
        { sku: "GOLD", quantity: 2, unitPrice: 2_147_483_648 },
        { sku: "PEN", quantity: 1, unitPrice: 1 },
      ],
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.pointsEarned).toBe(4_294_967_297_000);
    expect(first.body.pointsEarned).toBeGreaterThan(INT4_LIMIT);
    expect(first.body.balance).toBe(4_294_967_297_000);

    // Locking path (by phone): adds exactly.
    const second = await api("POST", "/v1/orders", {
      externalId: "BIG-2",
      memberPhone: "0912345001",
      items: [{ sku: "GOLD", quantity: 1, unitPrice: 3_000_000_001 }],
    });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.pointsEarned).toBe(3_000_000_001_000);
    expect(second.body.balance).toBe(7_294_967_298_000);

    // A replay answers the very same numbers.
    const replay = await api("POST", "/v1/orders", {
      externalId: "BIG-2",
      memberPhone: "0912345001",
      items: [{ sku: "GOLD", quantity: 1, unitPrice: 3_000_000_001 }],
    });
    expect(replay.body).toEqual(second.body);

    // Refund the pen line of the first order: pro rata, floored toward the member (1 đ of 4,294,967,297 → 1000).
    const refund = await api("POST", "/v1/orders/BIG-1/refunds", {
      externalId: "R-1",
      items: [{ sku: "PEN", quantity: 1 }],
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body.pointsReversed).toBe(1000);
    expect(refund.body.balance).toBe(7_294_967_297_000);

    // A reward costing more than 2^31 points.
    const reward = await api("POST", "/v1/rewards", { name: "Car", cost: 5_000_000_000_000, kind: "perk" });
    expect(reward.status, JSON.stringify(reward.body)).toBe(201);
    const red = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: reward.body.id },
      { "Idempotency-Key": "red-big" },
    );
    expect(red.status, JSON.stringify(red.body)).toBe(201);
    expect(red.body.pointsSpent).toBe(5_000_000_000_000);
    expect(red.body.balance).toBe(2_294_967_297_000);

    const adj = await api(
      "POST",
      `/v1/members/${id}/adjustments`,
      { points: 99_999_999, reason: "goodwill" },
      { "Idempotency-Key": "adj-big" },
    );
    expect(adj.status, JSON.stringify(adj.body)).toBe(201);
    expect(adj.body.balance).toBe(2_295_067_296_999);

    // History: every entry exact, Σ entries = balance (no pending period).
    const list = await entries(api, id);
    expect(list.map((e) => [e.kind, e.points])).toEqual([
      ["adjust", 99_999_999],
      ["redeem", -5_000_000_000_000],
      ["refund", -1000],
      ["earn", 3_000_000_001_000],
      ["earn", 4_294_967_297_000],
    ]);
    expect(list.reduce((sum, e) => sum + e.points, 0)).toBe(2_295_067_296_999);
    expect(await balance(api, id)).toBe(2_295_067_296_999);

    // The order's own view.
    const order = await api("GET", "/v1/orders/BIG-1");
    expect(order.status, JSON.stringify(order.body)).toBe(200);
    expect(order.body.points.earned).toBe(4_294_967_297_000);
    expect(order.body.points.reversed).toBe(1000);
    expect(order.body.points.net).toBe(4_294_967_296_000);

    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("a balance holds up to 2^53 − 1: an order or an adjustment past it → 400, nothing written", async () => {
    const { api, merchantId } = await s.merchant();
    expect((await api("PUT", "/v1/program", { earn: { spend: 1, points: 1_000_000 } })).status).toBe(200);
    const m = await api("POST", "/v1/members", { phone: "0912345002", name: "Minh" });
    const id: string = m.body.id;
    // 9,007,199,254 đ × 10^6 = 9,007,199,254,000,000: 740,991 points short of MAX_POINTS.
    const near = await api("POST", "/v1/orders", {
      externalId: "NEAR",
      memberId: id,
      items: [{ sku: "X", quantity: 1, unitPrice: 9_007_199_254 }],
    });
    expect(near.status, JSON.stringify(near.body)).toBe(201);
    expect(near.body.balance).toBe(9_007_199_254_000_000);

    const past = await api("POST", "/v1/orders", {
      externalId: "PAST",
      memberId: id,
      items: [{ sku: "X", quantity: 1, unitPrice: 1 }],
    });
    expect(past.status, JSON.stringify(past.body)).toBe(400);
    expect(past.body.errors[0].path).toBe("items");
    expect((await api("GET", "/v1/orders/PAST")).status).toBe(404);

    const tooMuch = await api("POST", `/v1/members/${id}/adjustments`, { points: 740_992, reason: "x" });
    expect(tooMuch.status, JSON.stringify(tooMuch.body)).toBe(400);
    expect(tooMuch.body.errors[0].path).toBe("points");

    // Up to the maximum exactly is fine.
    const exact = await api("POST", `/v1/members/${id}/adjustments`, { points: 740_991, reason: "x" });
    expect(exact.status, JSON.stringify(exact.body)).toBe(201);
    expect(exact.body.balance).toBe(MAX_POINTS);
    expect(await balance(api, id)).toBe(MAX_POINTS);
    expect((await entries(api, id)).reduce((sum, e) => sum + e.points, 0)).toBe(MAX_POINTS);
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("offer facts take what the bigint columns hold (a reward cost or bonus past 10^9, a bundle price of 10^15)", () => {
    const text = offerTemplate(
      {
        kind: "nudge",
        products: [],
        rewardName: "Car",
        pointsNeeded: 4_000_000_000_000,
        bonusPoints: MAX_POINTS,
        price: MAX_MONEY,
      },
      "en",
    );
    expect(text).toContain("4,000,000,000,000");
  });
});
