import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const item = (sku: string, quantity: number | string, unitPrice: number, extra: Record<string, unknown> = {}) => ({
  sku,
  quantity,
  unitPrice,
  ...extra,
});

async function sumLedger(api: Api, memberId: string): Promise<number> {
  const l = await api("GET", `/v1/members/${memberId}/ledger?limit=1000`);
  return l.body.entries.reduce((a: number, e: { points: number }) => a + e.points, 0);
}

describe("orders", () => {
  it("earns per the program, POS and online into one balance, with an explainable breakdown", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      categoryMultipliers: { coffee: 2 },
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      ],
    });
    const m = await api("POST", "/v1/members", { phone: "0912345678" });
    const o1 = await api("POST", "/v1/orders", {
      externalId: "POS-0001",
      memberId: m.body.id,
      channel: "pos",
      placedAt: "2026-11-20T02:00:00Z",
      items: [item("CF-01", 2, 35000, { name: "Cà phê sữa", category: "coffee" })],
    });
    expect(o1.status).toBe(201);
    expect(o1.body).toMatchObject({ externalId: "POS-0001", total: 70000, pointsEarned: 14, balance: 14 });
    expect(typeof o1.body.orderId).toBe("string");
    const o2 = await api("POST", "/v1/orders", {
      externalId: "WEB-1",
      memberPhone: "+84912345678",
      channel: "online",
      items: [item("BM-01", 1, 25000, { discount: 5000 })],
    });
    expect(o2.body).toMatchObject({ total: 20000, pointsEarned: 2, balance: 16 });
    const ledger = await api("GET", `/v1/members/${m.body.id}/ledger`);
    expect(ledger.body.entries.map((e: { kind: string; points: number }) => [e.kind, e.points])).toEqual([
      ["earn", 2],
      ["earn", 14],
    ]);
    expect(ledger.body.entries[1].breakdown).toMatchObject({
      total: 70000,
      base: 7,
      earn: 14,
      tier: { name: "Silver", multiplier: 1 },
      lines: [{ sku: "CF-01", multiplier: 2, source: "category" }],
    });
  });

  it("the order that crosses a tier threshold already earns at the new tier", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      ],
    });
    const m = await api("POST", "/v1/members", { phone: "0900000001" });
    const a = await api("POST", "/v1/orders", {
      externalId: "A",
      memberId: m.body.id,
      placedAt: "2026-11-01T00:00:00Z",
      items: [item("X", 1, 4000000)],
    });
    expect(a.body.pointsEarned).toBe(400);
    const b = await api("POST", "/v1/orders", {
      externalId: "B",
      memberId: m.body.id,
      placedAt: "2026-11-02T00:00:00Z",
      items: [item("X", 1, 2000000)],
    });
    expect(b.body.pointsEarned).toBe(300);
    expect(b.body.tier).toBe("Gold");
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.tier.name).toBe("Gold");
    // Orders older than the window do not count.
    const m2 = await api("POST", "/v1/members", { phone: "0900000002" });
    await api("POST", "/v1/orders", {
      externalId: "C",
      memberId: m2.body.id,
      placedAt: "2025-06-01T00:00:00Z",
      items: [item("X", 1, 4000000)],
    });
    const d = await api("POST", "/v1/orders", {
      externalId: "D",
      memberId: m2.body.id,
      placedAt: "2026-11-02T00:00:00Z",
      items: [item("X", 1, 2000000)],
    });
    expect(d.body.pointsEarned).toBe(200);
  });

  it("guest orders count (balance null); unknown member → 404; enrol:true enrols", async () => {
    const { api } = await s.merchant();
    const g = await api("POST", "/v1/orders", { externalId: "G-1", items: [item("A", 1, 50000)] });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ pointsEarned: 0, balance: null, total: 50000 });
    const u = await api("POST", "/v1/orders", {
      externalId: "G-2",
      memberId: "mem_nope",
      items: [item("A", 1, 50000)],
    });
    expect(u.status).toBe(404);
    expect(u.body.type).toMatch(/\/member-not-found$/);
    const p = await api("POST", "/v1/orders", {
      externalId: "G-3",
      memberPhone: "0911111111",
      items: [item("A", 1, 50000)],
    });
    expect(p.status).toBe(404);
    expect(p.body.type).toMatch(/\/member-not-found$/);
    const e = await api("POST", "/v1/orders", {
      externalId: "G-3",
      memberPhone: "0911111111",
      enrol: true,
      items: [item("A", 1, 50000)],
    });
    expect(e.status).toBe(201);
    expect(e.body).toMatchObject({ pointsEarned: 5, balance: 5 });
    const found = await api("GET", "/v1/members?phone=0911111111");
    expect(found.body.members[0].points.balance).toBe(5);
  });

  it("validates items and writes nothing on bad input", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0922222222" });
    const base = { externalId: "V-1", memberId: m.body.id };
    const cases: [unknown, string][] = [
      [{ ...base, items: [] }, "items"],
      [{ ...base }, "items"],
      [{ memberId: m.body.id, items: [item("A", 1, 1)] }, "externalId"],
      [{ ...base, items: [item("A", 0, 100)] }, "items.0.quantity"],
      [{ ...base, items: [item("A", 1.5, 100)] }, "items.0.quantity"],
      [{ ...base, items: [item("A", 1, -1)] }, "items.0.unitPrice"],
      [{ ...base, items: [item("A", 1, 100), item("B", 2, 100, { discount: 201 })] }, "items.1.discount"],
      [{ ...base, items: [item("A", 1, 100, { discount: -1 })] }, "items.0.discount"],
      [{ ...base, items: [{ quantity: 1, unitPrice: 1 }] }, "items.0.sku"],
      [{ ...base, items: [item("A", "2", 100)] }, "items.0.quantity"],
      [{ ...base, placedAt: "yesterday", items: [item("A", 1, 100)] }, "placedAt"],
    ];
    for (const [body, path] of cases) {
      const r = await api("POST", "/v1/orders", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await api("GET", `/v1/members/${m.body.id}/ledger`)).body.entries).toEqual([]);
    // V-1 was never written, so it is free to use now.
    expect((await api("POST", "/v1/orders", { ...base, items: [item("A", 1, 100)] })).status).toBe(201);
  });

  it("is idempotent by externalId: replay returns the first response; another body → 409", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0933333333" });
    const body = { externalId: "I-1", memberId: m.body.id, items: [item("A", 3, 50000)] };
    const first = await api("POST", "/v1/orders", body);
    await api("POST", "/v1/orders", { externalId: "I-2", memberId: m.body.id, items: [item("A", 1, 50000)] });
    const replay = await api("POST", "/v1/orders", { items: body.items, memberId: m.body.id, externalId: "I-1" });
    expect(replay.status).toBe(first.status);
    expect(replay.body).toEqual(first.body);
    const other = await api("POST", "/v1/orders", { ...body, items: [item("A", 4, 50000)] });
    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/\/idempotency-conflict$/);
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.points.balance).toBe(20);
  });

  it("another merchant's orders are invisible (refund → 404)", async () => {
    const a = await s.merchant();
    const b = await s.merchant();
    await a.api("POST", "/v1/orders", { externalId: "SAME", items: [item("A", 1, 1000)] });
    expect((await b.api("POST", "/v1/orders/SAME/refunds", { externalId: "R" })).status).toBe(404);
    // Each merchant has its own externalId namespace.
    expect((await b.api("POST", "/v1/orders", { externalId: "SAME", items: [item("B", 2, 1000)] })).status).toBe(201);
  });
});

describe("refunds", () => {
  it("reverses pro rata, floored toward the member; full refund by default; over-refund → 409", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0944444444" });
    await api("POST", "/v1/orders", {
      externalId: "O-1",
      memberId: m.body.id,
      items: [item("A", 3, 33333), item("B", 1, 100001)],
    });
    // total 200000 → 20 points
    const r1 = await api("POST", "/v1/orders/O-1/refunds", { externalId: "R-1", items: [{ sku: "A", quantity: 1 }] });
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ pointsReversed: 3, balance: 17 }); // 33333/200000 × 20 = 3.33 → 3
    const over = await api("POST", "/v1/orders/O-1/refunds", { externalId: "R-2", items: [{ sku: "A", quantity: 3 }] });
    expect(over.status).toBe(409);
    const unknownSku = await api("POST", "/v1/orders/O-1/refunds", {
      externalId: "R-2",
      items: [{ sku: "Z", quantity: 1 }],
    });
    expect(unknownSku.status).toBe(409);
    const rest = await api("POST", "/v1/orders/O-1/refunds", { externalId: "R-3" });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ pointsReversed: 17, balance: 0 });
    expect((await api("POST", "/v1/orders/O-1/refunds", { externalId: "R-4" })).status).toBe(409);
    expect(await sumLedger(api, m.body.id)).toBe(0);
    // replay of R-1 returns its first response
    const replay = await api("POST", "/v1/orders/O-1/refunds", {
      externalId: "R-1",
      items: [{ sku: "A", quantity: 1 }],
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(r1.body);
    const conflicting = await api("POST", "/v1/orders/O-1/refunds", {
      externalId: "R-1",
      items: [{ sku: "B", quantity: 1 }],
    });
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.type).toMatch(/idempotency-conflict$/);
  });

  it("a refund of spent points takes the balance below zero and blocks redemptions until positive", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0955555555" });
    const reward = await api("POST", "/v1/rewards", { name: "Free coffee", cost: 10, kind: "product" });
    await api("POST", "/v1/orders", { externalId: "S-1", memberId: m.body.id, items: [item("A", 1, 100000)] });
    expect(
      (
        await api(
          "POST",
          `/v1/members/${m.body.id}/redemptions`,
          { rewardId: reward.body.id },
          { "idempotency-key": "k1" },
        )
      ).status,
    ).toBe(201);
    const r = await api("POST", "/v1/orders/S-1/refunds", { externalId: "SR-1" });
    expect(r.body).toMatchObject({ pointsReversed: 10, balance: -10 });
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.points.balance).toBe(-10);
    expect(await sumLedger(api, m.body.id)).toBe(-10);
    const denied = await api(
      "POST",
      `/v1/members/${m.body.id}/redemptions`,
      { rewardId: reward.body.id },
      { "idempotency-key": "k2" },
    );
    expect(denied.status).toBe(409);
    expect(denied.body.type).toMatch(/\/insufficient-points$/);
    // New points pay the deficit back first.
    await api("POST", "/v1/orders", { externalId: "S-2", memberId: m.body.id, items: [item("A", 1, 150000)] });
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.points.balance).toBe(5);
    expect(await sumLedger(api, m.body.id)).toBe(5);
  });

  it("validates refund input", async () => {
    const { api } = await s.merchant();
    await api("POST", "/v1/orders", { externalId: "VR", items: [item("A", 1, 1000)] });
    const bad = await api("POST", "/v1/orders/VR/refunds", { items: [{ sku: "A", quantity: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("externalId");
    const bad2 = await api("POST", "/v1/orders/VR/refunds", { externalId: "x", items: [{ sku: "A", quantity: 0 }] });
    expect(bad2.body.errors[0].path).toBe("items.0.quantity");
    expect((await api("POST", "/v1/orders/NOPE/refunds", { externalId: "x" })).status).toBe(404);
  });
});

describe("pending points", () => {
  it("are not spendable during the return window, and a refund inside it cancels them cleanly", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", { pendingDays: 14 });
    const reward = await api("POST", "/v1/rewards", { name: "R", cost: 5, kind: "perk" });
    const m = await api("POST", "/v1/members", { phone: "0966666666" });
    const o = await api("POST", "/v1/orders", {
      externalId: "P-1",
      memberId: m.body.id,
      items: [item("A", 1, 100000)],
    });
    expect(o.body).toMatchObject({ pointsEarned: 10, balance: 0, pending: 10 });
    let v = (await api("GET", `/v1/members/${m.body.id}`)).body;
    expect(v.points).toMatchObject({ balance: 0, pending: 10, total: 10 });
    expect((await api("POST", `/v1/members/${m.body.id}/redemptions`, { rewardId: reward.body.id })).status).toBe(409);
    await api("POST", "/v1/orders/P-1/refunds", { externalId: "PR-1", items: [{ sku: "A", quantity: 1 }] });
    v = (await api("GET", `/v1/members/${m.body.id}`)).body;
    expect(v.points).toMatchObject({ balance: 0, pending: 0, total: 0 });
    // A second order matures after 14 days.
    await api("POST", "/v1/orders", { externalId: "P-2", memberId: m.body.id, items: [item("A", 1, 100000)] });
    s.clock.advanceDays(15);
    v = (await api("GET", `/v1/members/${m.body.id}`)).body;
    expect(v.points).toMatchObject({ balance: 10, pending: 0 });
    expect((await api("POST", `/v1/members/${m.body.id}/redemptions`, { rewardId: reward.body.id })).status).toBe(201);
    expect(await sumLedger(api, m.body.id)).toBe(5);
  });
});
