/**
 * The two order paths — one statement (src/orders/place.ts, by memberId; batched on Postgres) and the locking
 * transaction (service.ts: by phone, with offer hooks) — earn and answer alike; a wrong guess of a member's facts is
 * caught under the lock; concurrent orders (group commit on Postgres) keep every guarantee.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { checkInvariants } from "../ledger/invariants.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

async function ledger(api: Api, memberId: string) {
  const l = await api("GET", `/v1/members/${memberId}/ledger?limit=1000`);
  return l.body.entries.map((e: { kind: string; points: number; breakdown: unknown }) => [
    e.kind,
    e.points,
    e.breakdown,
  ]);
}

describe("order paths", () => {
  it("by memberId (one statement) and by phone (locking transaction): same points, tiers, pending, cashback, answers", async () => {
    const { api, merchantId } = await s.merchant();
    const now = s.clock.now();
    await api("PUT", "/v1/program", {
      categoryMultipliers: { coffee: 2 },
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 300000, multiplier: 1.5 },
      ],
      pendingDays: 7,
      cashback: { rate: 0.01 },
      birthdayBonus: { multiplier: 2, windowDays: 7 },
      promotions: [
        {
          name: "Double",
          multiplier: 2,
          startsAt: new Date(now.getTime() - 86_400_000).toISOString(),
          endsAt: new Date(now.getTime() + 86_400_000).toISOString(),
          categories: ["cake"],
        },
      ],
    });
    const bday = `1990-${String(now.getUTCMonth() + 1).padStart(2, "0")}-${String(now.getUTCDate()).padStart(2, "0")}`;
    const a = (await api("POST", "/v1/members", { phone: "0931000001", birthday: bday })).body;
    const b = (await api("POST", "/v1/members", { phone: "0931000002", birthday: bday })).body;
    const baskets = [
      [{ sku: "CF", category: "coffee", quantity: 2, unitPrice: 45000 }],
      [
        { sku: "CK", category: "cake", quantity: 1, unitPrice: 120000, discount: 20000 },
        { sku: "TEA", quantity: 3, unitPrice: 30000 },
      ],
      // Crosses Gold: earns at 1.5 already.
      [{ sku: "CF", category: "coffee", quantity: 4, unitPrice: 45000 }],
      [{ sku: "TEA", quantity: 1, unitPrice: 30000 }],
    ];
    for (const [i, items] of baskets.entries()) {
      const byId = await api("POST", "/v1/orders", { externalId: `A-${i}`, memberId: a.id, items });
      const byPhone = await api("POST", "/v1/orders", { externalId: `B-${i}`, memberPhone: "0931000002", items });
      expect(byId.status).toBe(201);
      expect(byPhone.status).toBe(201);
      const strip = (o: Record<string, unknown>) => ({
        ...o,
        orderId: undefined,
        externalId: undefined,
        memberId: undefined,
      });
      expect(strip(byId.body)).toEqual(strip(byPhone.body));
    }
    expect((await api("GET", `/v1/members/${a.id}`)).body.tier).toEqual(
      (await api("GET", `/v1/members/${b.id}`)).body.tier,
    );
    expect(await ledger(api, a.id)).toEqual(await ledger(api, b.id));
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("facts changed behind the process's back (adjustment, refund, time) are caught under the lock", async () => {
    const { api, merchantId } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 200000, multiplier: 2 },
      ],
      pendingDays: 3,
    });
    const m = (await api("POST", "/v1/members", { phone: "0932000001" })).body;
    const o1 = await api("POST", "/v1/orders", {
      externalId: "F-1",
      memberId: m.id,
      items: [{ sku: "A", quantity: 1, unitPrice: 150000 }],
    });
    expect(o1.body).toMatchObject({ pointsEarned: 15, balance: 0, pending: 15 });
    await api("POST", `/v1/members/${m.id}/adjustments`, { points: 40, reason: "goodwill" });
    const o2 = await api("POST", "/v1/orders", {
      externalId: "F-2",
      memberId: m.id,
      items: [{ sku: "A", quantity: 1, unitPrice: 10000 }],
    });
    expect(o2.body).toMatchObject({ pointsEarned: 1, balance: 40, pending: 16, tier: "Silver" });
    // The refund takes F-1's spend out of the tier window: 60,000 more is not Gold yet.
    await api("POST", "/v1/orders/F-1/refunds", { externalId: "FR-1" });
    const o3 = await api("POST", "/v1/orders", {
      externalId: "F-3",
      memberId: m.id,
      items: [{ sku: "A", quantity: 1, unitPrice: 60000 }],
    });
    expect(o3.body).toMatchObject({ pointsEarned: 6, tier: "Silver", balance: 40, pending: 7 });
    // Time passes: the pending lots mature.
    s.clock.advanceDays(4);
    const o4 = await api("POST", "/v1/orders", {
      externalId: "F-4",
      memberId: m.id,
      items: [{ sku: "A", quantity: 1, unitPrice: 10000 }],
    });
    expect(o4.body).toMatchObject({ pointsEarned: 1, balance: 47, pending: 1 });
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("many concurrent orders, duplicates and several per member: one earn per externalId, replays identical", async () => {
    const { api, merchantId } = await s.merchant();
    const members: string[] = [];
    for (let i = 0; i < 8; i++)
      members.push((await api("POST", "/v1/members", { phone: `09330000${String(i).padStart(2, "0")}` })).body.id);
    const bodies = Array.from({ length: 40 }, (_, i) => ({
      externalId: `C-${i}`,
      memberId: members[i % members.length],
      items: [{ sku: `S-${i % 5}`, quantity: 1 + (i % 3), unitPrice: 10000 * (1 + (i % 7)) }],
    }));
    const posts = [...bodies, ...bodies.slice(0, 15)].map((b) => api("POST", "/v1/orders", b));
    const results = await Promise.all(posts);
    expect(results.map((r) => r.status).every((st) => st === 201)).toBe(true);
    for (let i = 0; i < 15; i++) expect(JSON.stringify(results[40 + i]!.body)).toBe(JSON.stringify(results[i]!.body));
    // Another body under a used externalId is a conflict, even under concurrency.
    const clash = await Promise.all([
      api("POST", "/v1/orders", { ...bodies[0], items: [{ sku: "X", quantity: 9, unitPrice: 1000 }] }),
      api("POST", "/v1/orders", bodies[1]),
    ]);
    expect(clash.map((r) => r.status)).toEqual([409, 201]);
    let earned = 0;
    for (const id of members) {
      const entries = await ledger(api, id);
      expect(entries).toHaveLength(5);
      earned += entries.reduce((t: number, e: [string, number]) => t + e[1], 0);
    }
    expect(earned).toBe(results.slice(0, 40).reduce((t, r) => t + (r.body.pointsEarned as number), 0));
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });

  it("an order Postgres refuses (NUL in a name) fails alone, even when it shares a statement with others", async () => {
    const { api, merchantId } = await s.merchant();
    const m = (await api("POST", "/v1/members", { phone: "0934000001" })).body;
    const good = Array.from({ length: 12 }, (_, i) => ({
      externalId: `G-${i}`,
      memberId: m.id,
      items: [{ sku: `S-${i}`, quantity: 1, unitPrice: 50000 }],
    }));
    const bad = {
      externalId: "BAD-1",
      memberId: m.id,
      items: [{ sku: "S-0", name: "nul \u0000 here", quantity: 1, unitPrice: 50000 }],
    };
    const results = await Promise.all(
      [...good.slice(0, 6), bad, ...good.slice(6)].map((b) => api("POST", "/v1/orders", b)),
    );
    expect(results[6]!.status).toBeGreaterThanOrEqual(400);
    expect(results.filter((_, i) => i !== 6).every((r) => r.status === 201)).toBe(true);
    expect((await api("GET", `/v1/members/${m.id}`)).body.points.total).toBe(12 * 5);
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });
});
