/** Loyalty features beyond the fixed contract: subscriptions, cashback credit, tier evaluation, bonus events. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("paid subscription", () => {
  it("adds its multiplier while active; renewals extend; externalId makes it idempotent", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      subscriptionPlans: [{ id: "vip", name: "VIP", price: 99000, periodDays: 30, multiplier: 1.5 }],
    });
    const m = await api("POST", "/v1/members", { phone: "0917000001" });
    const sub = await api("POST", `/v1/members/${m.body.id}/subscriptions`, { planId: "vip", externalId: "POS-SUB-1" });
    expect(sub.status).toBe(201);
    expect(new Date(sub.body.endsAt).getTime() - new Date(sub.body.startsAt).getTime()).toBe(30 * 86_400_000);
    expect(
      (await api("POST", `/v1/members/${m.body.id}/subscriptions`, { planId: "vip", externalId: "POS-SUB-1" })).body,
    ).toEqual(sub.body);
    const o = await api("POST", "/v1/orders", {
      externalId: "SUB-O1",
      memberId: m.body.id,
      items: [{ sku: "A", quantity: 1, unitPrice: 100000 }],
    });
    expect(o.body.pointsEarned).toBe(15);
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.subscription).toMatchObject({ plan: "vip" });
    const renew = await api("POST", `/v1/members/${m.body.id}/subscriptions`, {
      planId: "vip",
      externalId: "POS-SUB-2",
    });
    expect(renew.body.startsAt).toBe(sub.body.endsAt);
    s.clock.advanceDays(61);
    const later = await api("POST", "/v1/orders", {
      externalId: "SUB-O2",
      memberId: m.body.id,
      items: [{ sku: "A", quantity: 1, unitPrice: 100000 }],
    });
    expect(later.body.pointsEarned).toBe(10);
    s.clock.advanceDays(-61);
    const bad = await api("POST", `/v1/members/${m.body.id}/subscriptions`, { planId: "gold" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("planId");
  });
});

describe("cashback store credit", () => {
  it("earns credit at the configured rates, reverses it on refund, spends it once per key", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", { cashback: { rate: 0.02, discountedRate: 0.01 } });
    const m = await api("POST", "/v1/members", { phone: "0917000002" });
    const o = await api("POST", "/v1/orders", {
      externalId: "CB-1",
      memberId: m.body.id,
      items: [
        { sku: "A", quantity: 1, unitPrice: 100000 },
        { sku: "B", quantity: 1, unitPrice: 100000, discount: 50000 },
      ],
    });
    expect(o.body.cashback).toBe(2000 + 500);
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.credit.balance).toBe(2500);
    await api("POST", "/v1/orders/CB-1/refunds", { externalId: "CBR-1", items: [{ sku: "A", quantity: 1 }] });
    // 100000 of 150000 refunded → floor(2500 × 2/3) = 1666 reversed
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.credit.balance).toBe(834);
    const spend = await api(
      "POST",
      `/v1/members/${m.body.id}/credit-spends`,
      { amount: 800 },
      { "idempotency-key": "cs-1" },
    );
    expect(spend.status).toBe(201);
    expect(spend.body).toEqual({ amount: 800, creditBalance: 34 });
    expect(
      (await api("POST", `/v1/members/${m.body.id}/credit-spends`, { amount: 800 }, { "idempotency-key": "cs-1" }))
        .body,
    ).toEqual(spend.body);
    const over = await api("POST", `/v1/members/${m.body.id}/credit-spends`, { amount: 35 });
    expect(over.status).toBe(409);
    expect(over.body.type).toMatch(/insufficient-credit$/);
  });
});

/** Silver from 0, Gold from 1,000,000 of net spend over a year, a tier kept a year once reached. */
const SILVER_GOLD = {
  tiers: [
    { name: "Silver", minSpend: 0, multiplier: 1 },
    { name: "Gold", minSpend: 1000000, multiplier: 1.5 },
  ],
  tierWindowDays: 365,
  tierRetentionDays: 365,
};

describe("tier evaluation job", () => {
  it("keeps a tier for the retention period, then downgrades to what the spend qualifies for", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", SILVER_GOLD);
    const m = await api("POST", "/v1/members", { phone: "0917000003" });
    const now = s.clock.now();
    await api("POST", "/v1/orders", {
      externalId: "TE-1",
      memberId: m.body.id,
      placedAt: now.toISOString(),
      items: [{ sku: "A", quantity: 1, unitPrice: 1200000 }],
    });
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.tier.name).toBe("Gold");
    s.clock.advanceDays(200);
    expect((await api("POST", "/v1/jobs/tiers")).body).toMatchObject({ downgraded: 0 });
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.tier.name).toBe("Gold");
    s.clock.advanceDays(200);
    expect((await api("POST", "/v1/jobs/tiers")).body).toMatchObject({ downgraded: 1 });
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.tier.name).toBe("Silver");
    s.clock.advanceDays(-400);
  });
});

describe("refunds and tiers", () => {
  it("a refund never lowers the tier itself; the next evaluation does, retention or not (refunded spend is not kept)", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", SILVER_GOLD);
    const m = await api("POST", "/v1/members", { phone: "0917000013" });
    const tier = async () => (await api("GET", `/v1/members/${m.body.id}`)).body.tier.name;
    const order = (externalId: string, unitPrice: number) =>
      api("POST", "/v1/orders", { externalId, memberId: m.body.id, items: [{ sku: "A", quantity: 1, unitPrice }] });
    await order("TR-1", 1200000);
    expect(await tier()).toBe("Gold");
    expect((await api("POST", "/v1/orders/TR-1/refunds", { externalId: "TR-1-R" })).status).toBe(201);
    expect(await tier()).toBe("Gold"); // the contract: downgrades happen only at the periodic evaluation
    expect((await api("POST", "/v1/jobs/tiers")).body).toMatchObject({ downgraded: 1 });
    expect(await tier()).toBe("Silver");

    // A partial refund that leaves the spend above the threshold lowers nothing at the evaluation either.
    await api("POST", "/v1/orders", {
      externalId: "TR-2",
      memberId: m.body.id,
      items: [
        { sku: "A", quantity: 1, unitPrice: 1500000 },
        { sku: "B", quantity: 1, unitPrice: 100000 },
      ],
    });
    expect(await tier()).toBe("Gold");
    await api("POST", "/v1/orders/TR-2/refunds", { externalId: "TR-2-R", items: [{ sku: "B", quantity: 1 }] });
    expect((await api("POST", "/v1/jobs/tiers")).body).toMatchObject({ downgraded: 0 });
    expect(await tier()).toBe("Gold");
  });
});

describe("bonus events", () => {
  it("birthday week and promotions add a separate bonus entry, explained", async () => {
    const { api } = await s.merchant();
    const now = s.clock.now();
    await api("PUT", "/v1/program", {
      birthdayBonus: { multiplier: 2, windowDays: 7 },
      promotions: [
        {
          name: "Tết x3",
          multiplier: 3,
          startsAt: new Date(now.getTime() - 86_400_000).toISOString(),
          endsAt: new Date(now.getTime() + 86_400_000).toISOString(),
          categories: ["tet"],
        },
      ],
    });
    const bday = `1995-${String(now.getUTCMonth() + 1).padStart(2, "0")}-${String(now.getUTCDate()).padStart(2, "0")}`;
    const m = await api("POST", "/v1/members", { phone: "0917000004", birthday: bday });
    const o = await api("POST", "/v1/orders", {
      externalId: "BE-1",
      memberId: m.body.id,
      items: [
        { sku: "A", quantity: 1, unitPrice: 100000 },
        { sku: "B", category: "tet", quantity: 1, unitPrice: 100000 },
      ],
    });
    expect(o.body.pointsEarned).toBe(20 + 10 + 20);
    const entries = (await api("GET", `/v1/members/${m.body.id}/ledger`)).body.entries;
    expect(entries.map((e: { kind: string; points: number }) => [e.kind, e.points])).toEqual([
      ["bonus", 30],
      ["earn", 20],
    ]);
    expect(entries[0].breakdown.events).toEqual(
      expect.arrayContaining([
        { name: "birthday", multiplier: 2 },
        { name: "Tết x3", multiplier: 3 },
      ]),
    );
  });
});

describe("refunds follow what each line earned", () => {
  it("a refunded line takes back its own share of the points (category multiplier), pro rata by quantity", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", { earn: { points: 1, spend: 10_000 }, categoryMultipliers: { coffee: 2 } });
    const m = (await api("POST", "/v1/members", { phone: "0907000111" })).body.id;
    const order = await api("POST", "/v1/orders", {
      externalId: "W-1",
      memberId: m,
      items: [
        { sku: "CF", category: "coffee", quantity: 2, unitPrice: 50_000 },
        { sku: "BM", category: "food", quantity: 1, unitPrice: 100_000 },
      ],
    });
    // (2 × 50,000 × 2 + 100,000) / 10,000 = 30 points; the coffee line earned 20 of them.
    expect(order.body.pointsEarned).toBe(30);
    const one = await api("POST", "/v1/orders/W-1/refunds", {
      externalId: "W-1-R1",
      items: [{ sku: "CF", quantity: 1 }],
    });
    expect(one.body).toMatchObject({ pointsReversed: 10, balance: 20 });
    const two = await api("POST", "/v1/orders/W-1/refunds", {
      externalId: "W-1-R2",
      items: [{ sku: "CF", quantity: 1 }],
    });
    expect(two.body).toMatchObject({ pointsReversed: 10, balance: 10 });
    const rest = await api("POST", "/v1/orders/W-1/refunds", { externalId: "W-1-R3" });
    expect(rest.body).toMatchObject({ pointsReversed: 10, balance: 0 });
  });
});
