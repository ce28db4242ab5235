import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

async function memberWith(api: Api, points: number, phone: string): Promise<string> {
  const m = await api("POST", "/v1/members", { phone });
  if (points > 0) await api("POST", `/v1/members/${m.body.id}/adjustments`, { points, reason: "test setup" });
  return m.body.id;
}

describe("rewards and redemptions", () => {
  it("creates and lists rewards; validates", async () => {
    const { api } = await s.merchant();
    const r = await api("POST", "/v1/rewards", {
      name: "Voucher 50k",
      cost: 80,
      kind: "voucher",
      value: 50000,
      stock: 3,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: "Voucher 50k",
      cost: 80,
      kind: "voucher",
      value: 50000,
      stock: 3,
      active: true,
    });
    expect((await api("GET", "/v1/rewards")).body.rewards).toHaveLength(1);
    for (const [body, path] of [
      [{ name: "x", cost: 0, kind: "perk" }, "cost"],
      [{ name: "x", cost: 1.5, kind: "perk" }, "cost"],
      [{ name: "x", cost: 10, kind: "gift" }, "kind"],
      [{ cost: 10, kind: "perk" }, "name"],
      [{ name: "x", cost: 10, kind: "perk", stock: -1 }, "stock"],
    ] as const) {
      const bad = await api("POST", "/v1/rewards", body);
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe(path);
    }
    expect((await api("GET", "/v1/rewards")).body.rewards).toHaveLength(1);
  });

  it("redeems: code, points spent, balance; insufficient points and out of stock change nothing", async () => {
    const { api } = await s.merchant();
    const id = await memberWith(api, 100, "0911000001");
    const reward = await api("POST", "/v1/rewards", { name: "Cup", cost: 40, kind: "product", stock: 1 });
    const ok = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: reward.body.id },
      { "idempotency-key": "a" },
    );
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ pointsSpent: 40, balance: 60 });
    expect(ok.body.code).toMatch(/^[A-Z0-9]{6,}$/);
    expect(typeof ok.body.redemptionId).toBe("string");
    const oos = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: reward.body.id },
      { "idempotency-key": "b" },
    );
    expect(oos.status).toBe(409);
    expect(oos.body.type).toMatch(/\/out-of-stock$/);
    const big = await api("POST", "/v1/rewards", { name: "TV", cost: 1000, kind: "product" });
    const poor = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: big.body.id },
      { "idempotency-key": "c" },
    );
    expect(poor.status).toBe(409);
    expect(poor.body.type).toMatch(/\/insufficient-points$/);
    const m = (await api("GET", `/v1/members/${id}`)).body;
    expect(m.points.balance).toBe(60);
    expect((await api("GET", `/v1/rewards/${reward.body.id}`)).body.stock).toBe(0);
    expect((await api("GET", `/v1/members/${id}/ledger`)).body.entries.map((e: { kind: string }) => e.kind)).toEqual([
      "redeem",
      "adjust",
    ]);
  });

  it("Idempotency-Key: replay returns the first response, other body → 409, failed requests are evaluated afresh", async () => {
    const { api } = await s.merchant();
    const id = await memberWith(api, 50, "0911000002");
    const r1 = await api("POST", "/v1/rewards", { name: "A", cost: 30, kind: "perk" });
    const r2 = await api("POST", "/v1/rewards", { name: "B", cost: 10, kind: "perk" });
    const first = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: r1.body.id },
      { "idempotency-key": "key-1" },
    );
    const replay = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: r1.body.id },
      { "idempotency-key": "key-1" },
    );
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    const conflict = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: r2.body.id },
      { "idempotency-key": "key-1" },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.type).toMatch(/\/idempotency-conflict$/);
    expect((await api("GET", `/v1/members/${id}`)).body.points.balance).toBe(20);
    // A failed attempt (not enough points) does not burn the key.
    const fail = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: r1.body.id },
      { "idempotency-key": "key-2" },
    );
    expect(fail.status).toBe(409);
    await api("POST", `/v1/members/${id}/adjustments`, { points: 20, reason: "goodwill" });
    const retry = await api(
      "POST",
      `/v1/members/${id}/redemptions`,
      { rewardId: r1.body.id },
      { "idempotency-key": "key-2" },
    );
    expect(retry.status).toBe(201);
    expect(retry.body.balance).toBe(10);
  });

  it("minTier rewards need the tier", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 1000000, multiplier: 1 },
      ],
    });
    const id = await memberWith(api, 500, "0911000003");
    const r = await api("POST", "/v1/rewards", { name: "Gold gift", cost: 10, kind: "perk", minTier: "Gold" });
    const denied = await api("POST", `/v1/members/${id}/redemptions`, { rewardId: r.body.id });
    expect(denied.status).toBe(409);
    expect(denied.body.type).toMatch(/\/tier-required$/);
    await api("POST", "/v1/orders", {
      externalId: "T1",
      memberId: id,
      items: [{ sku: "A", quantity: 1, unitPrice: 1000000 }],
    });
    expect((await api("POST", `/v1/members/${id}/redemptions`, { rewardId: r.body.id })).status).toBe(201);
  });

  it("unknown reward or member → 404; cross-tenant reward → 404", async () => {
    const a = await s.merchant();
    const b = await s.merchant();
    const id = await memberWith(a.api, 100, "0911000004");
    const foreign = await b.api("POST", "/v1/rewards", { name: "B's", cost: 1, kind: "perk" });
    expect((await a.api("POST", `/v1/members/${id}/redemptions`, { rewardId: foreign.body.id })).status).toBe(404);
    expect((await a.api("POST", `/v1/members/mem_x/redemptions`, { rewardId: foreign.body.id })).status).toBe(404);
    expect((await a.api("GET", `/v1/rewards/${foreign.body.id}`)).status).toBe(404);
    expect((await a.api("POST", `/v1/members/${id}/redemptions`, {})).status).toBe(400);
  });
});

describe("vouchers", () => {
  it("a code can be used once; 409 after; 404 for another merchant's code; case-insensitive", async () => {
    const a = await s.merchant();
    const b = await s.merchant();
    const id = await memberWith(a.api, 100, "0911000005");
    const reward = await a.api("POST", "/v1/rewards", { name: "Cake", cost: 10, kind: "product" });
    const red = await a.api("POST", `/v1/members/${id}/redemptions`, { rewardId: reward.body.id });
    const code: string = red.body.code;
    expect((await b.api("POST", `/v1/vouchers/${code}/use`)).status).toBe(404);
    const open = await a.api("GET", `/v1/members/${id}/vouchers`);
    expect(open.body.vouchers.map((v: { code: string }) => v.code)).toEqual([code]);
    const use = await a.api("POST", `/v1/vouchers/${code.toLowerCase()}/use`);
    expect(use.status).toBe(200);
    expect(use.body).toMatchObject({ code, reward: { name: "Cake" } });
    const again = await a.api("POST", `/v1/vouchers/${code}/use`);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/\/already-used$/);
    expect((await a.api("GET", `/v1/members/${id}/vouchers`)).body.vouchers).toEqual([]);
    expect((await a.api("POST", `/v1/vouchers/NOPE1234/use`)).status).toBe(404);
    // empty body with a JSON content type is accepted too
    expect((await a.api("POST", `/v1/vouchers/${code}/use`, "", { "content-type": "application/json" })).status).toBe(
      409,
    );
  });

  it("expires after voucherValidDays", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", { voucherValidDays: 7 });
    const id = await memberWith(api, 100, "0911000006");
    const reward = await api("POST", "/v1/rewards", { name: "Cake", cost: 10, kind: "product" });
    const red = await api("POST", `/v1/members/${id}/redemptions`, { rewardId: reward.body.id });
    expect(red.body.expiresAt).toBeTruthy();
    s.clock.advanceDays(8);
    const r = await api("POST", `/v1/vouchers/${red.body.code}/use`);
    expect(r.status).toBe(409);
    expect(r.body.type).toMatch(/\/voucher-expired$/);
    s.clock.advanceDays(-8);
  });
});

describe("adjustments", () => {
  it("adds and removes points with a reason; cannot remove more than the balance", async () => {
    const { api } = await s.merchant();
    const id = await memberWith(api, 0, "0911000007");
    const add = await api(
      "POST",
      `/v1/members/${id}/adjustments`,
      { points: 25, reason: "Cửa hàng xin lỗi" },
      { "idempotency-key": "adj-1" },
    );
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ points: 25, balance: 25 });
    const replay = await api(
      "POST",
      `/v1/members/${id}/adjustments`,
      { points: 25, reason: "Cửa hàng xin lỗi" },
      { "idempotency-key": "adj-1" },
    );
    expect(replay.body).toEqual(add.body);
    const tooMuch = await api("POST", `/v1/members/${id}/adjustments`, { points: -26, reason: "x" });
    expect(tooMuch.status).toBe(409);
    const sub = await api("POST", `/v1/members/${id}/adjustments`, { points: -5, reason: "correction" });
    expect(sub.body.balance).toBe(20);
    expect((await api("POST", `/v1/members/${id}/adjustments`, { points: 0, reason: "x" })).body.errors[0].path).toBe(
      "points",
    );
    expect((await api("POST", `/v1/members/${id}/adjustments`, { points: 3 })).body.errors[0].path).toBe("reason");
    const ledger = (await api("GET", `/v1/members/${id}/ledger`)).body.entries;
    expect(ledger.map((e: { kind: string; points: number; reason: string }) => [e.kind, e.points, e.reason])).toEqual([
      ["adjust", -5, "correction"],
      ["adjust", 25, "Cửa hàng xin lỗi"],
    ]);
  });
});

describe("expiry", () => {
  it("expires lots FIFO past pointsExpireDays; running twice changes nothing", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", { pointsExpireDays: 30 });
    const m = await api("POST", "/v1/members", { phone: "0911000008" });
    const now = s.clock.now().getTime();
    const iso = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
    await api("POST", "/v1/orders", {
      externalId: "E-1",
      memberId: m.body.id,
      placedAt: iso(40),
      items: [{ sku: "A", quantity: 1, unitPrice: 100000 }],
    });
    await api("POST", "/v1/orders", {
      externalId: "E-2",
      memberId: m.body.id,
      placedAt: iso(20),
      items: [{ sku: "A", quantity: 1, unitPrice: 50000 }],
    });
    const reward = await api("POST", "/v1/rewards", { name: "R", cost: 4, kind: "perk" });
    // spending takes the oldest lot first: 10 → 6 left in lot 1
    await api("POST", `/v1/members/${m.body.id}/redemptions`, { rewardId: reward.body.id });
    const before = (await api("GET", `/v1/members/${m.body.id}`)).body;
    expect(before.points.balance).toBe(11);
    expect(before.points.expiringSoon.points).toBe(5); // E-2's lot expires in 10 days
    const j1 = await api("POST", "/v1/jobs/expire");
    expect(j1.status).toBe(200);
    expect(j1.body).toMatchObject({ points: 6, members: 1 });
    const j2 = await api("POST", "/v1/jobs/expire", "", { "content-type": "application/json" });
    expect(j2.body).toMatchObject({ points: 0, members: 0 });
    const after = (await api("GET", `/v1/members/${m.body.id}`)).body;
    expect(after.points.balance).toBe(5);
    const entries = (await api("GET", `/v1/members/${m.body.id}/ledger`)).body.entries;
    expect(
      entries.filter((e: { kind: string }) => e.kind === "expire").map((e: { points: number }) => e.points),
    ).toEqual([-6]);
    expect(entries.reduce((a: number, e: { points: number }) => a + e.points, 0)).toBe(5);
    s.clock.advanceDays(11);
    expect((await api("POST", "/v1/jobs/expire")).body.points).toBe(5);
    s.clock.advanceDays(-11);
  });
});
