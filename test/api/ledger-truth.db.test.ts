/** Issue 13 (ledger truth): refunds take the tier back, memberId/memberPhone must agree. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const item = (sku: string, quantity: number, unitPrice: number) => ({ sku, quantity, unitPrice });

describe("ledger truth", () => {
  it("a fully refunded order does not keep the tier it bought (buy-and-refund)", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      ],
    });
    const m = (await api("POST", "/v1/members", { phone: "0912000001" })).body;
    const big = await api("POST", "/v1/orders", {
      externalId: "BIG-1",
      memberId: m.id,
      channel: "pos",
      items: [item("TV", 1, 6000000)],
    });
    expect(big.body.tier).toBe("Gold");
    const refund = await api("POST", "/v1/orders/BIG-1/refunds", { externalId: "BIG-1-R" });
    expect(refund.status).toBe(201);
    const job = await api("POST", "/v1/jobs/tiers");
    expect(job.status).toBeLessThan(300);
    const next = await api("POST", "/v1/orders", {
      externalId: "SMALL-1",
      memberId: m.id,
      channel: "pos",
      items: [item("CF", 1, 100000)],
    });
    expect(next.status).toBe(201);
    expect(next.body.tier).toBe("Silver");
    expect(next.body.pointsEarned).toBe(10); // ×1, not ×1.5
    // The phone (locking) path earns the same.
    const byPhone = await api("POST", "/v1/orders", {
      externalId: "SMALL-2",
      memberPhone: "0912000001",
      channel: "pos",
      items: [item("CF", 1, 100000)],
    });
    expect(byPhone.body).toMatchObject({ tier: "Silver", pointsEarned: 10 });
  });

  it("a partial refund that keeps the spend above the threshold keeps the tier", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      ],
    });
    const m = (await api("POST", "/v1/members", { phone: "0912000002" })).body;
    await api("POST", "/v1/orders", {
      externalId: "BIG-2",
      memberId: m.id,
      channel: "pos",
      items: [item("TV", 1, 6000000), item("CF", 10, 50000)],
    });
    await api("POST", "/v1/orders/BIG-2/refunds", { externalId: "BIG-2-R", items: [{ sku: "CF", quantity: 10 }] });
    const next = await api("POST", "/v1/orders", {
      externalId: "SMALL-3",
      memberId: m.id,
      channel: "pos",
      items: [item("CF", 1, 100000)],
    });
    expect(next.body).toMatchObject({ tier: "Gold", pointsEarned: 15 });
  });

  it("a backdated order earns at the tier its own date qualifies for, on both order paths (defect 7)", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      ],
    });
    const m = (await api("POST", "/v1/members", { phone: "0912000009" })).body;
    const now = s.clock.now().getTime();
    const daysAgo = (d: number) => new Date(now - d * 86_400_000).toISOString();
    // Gold is reached today.
    const big = await api("POST", "/v1/orders", {
      externalId: "GOLD-TODAY",
      memberId: m.id,
      items: [item("TV", 1, 6000000)],
    });
    expect(big.body.tier).toBe("Gold");
    // An order placed 200 days ago: the window up to its date holds only itself, so Silver (x1), not Gold (x1.5).
    const old = await api("POST", "/v1/orders", {
      externalId: "OLD-1",
      memberId: m.id,
      placedAt: daysAgo(200),
      items: [item("CF", 1, 100000)],
    });
    expect(old.status).toBe(201);
    expect(old.body).toMatchObject({ tier: "Silver", pointsEarned: 10 });
    // The phone path (locking transaction) earns the same.
    const oldByPhone = await api("POST", "/v1/orders", {
      externalId: "OLD-2",
      memberPhone: "0912000009",
      placedAt: daysAgo(150),
      items: [item("CF", 1, 100000)],
    });
    expect(oldByPhone.body).toMatchObject({ tier: "Silver", pointsEarned: 10 });
    // A backdated order never takes the member down: still Gold, and today's orders earn at Gold.
    expect((await api("GET", `/v1/members/${m.id}`)).body.tier.name).toBe("Gold");
    const today = await api("POST", "/v1/orders", {
      externalId: "TODAY-1",
      memberId: m.id,
      items: [item("CF", 1, 100000)],
    });
    expect(today.body).toMatchObject({ tier: "Gold", pointsEarned: 15 });
    // A backdated order that qualifies by its own window earns at that tier.
    const oldBig = await api("POST", "/v1/orders", {
      externalId: "OLD-BIG",
      memberPhone: "0912000009",
      placedAt: daysAgo(100),
      items: [item("TV", 1, 5000000)],
    });
    expect(oldBig.body).toMatchObject({ tier: "Gold", pointsEarned: 750 });
  });

  it("memberId and memberPhone of different members → 409 member-mismatch, nothing written", async () => {
    const { api } = await s.merchant();
    const a = (await api("POST", "/v1/members", { phone: "0912000003" })).body;
    await api("POST", "/v1/members", { phone: "0912000004" });
    const bad = await api("POST", "/v1/orders", {
      externalId: "MIX-1",
      memberId: a.id,
      memberPhone: "0912000004",
      channel: "pos",
      items: [item("CF", 1, 100000)],
    });
    expect(bad.status).toBe(409);
    expect(bad.body.type).toMatch(/member-mismatch$/);
    // An unknown memberId is a 404 even next to a known phone.
    const unknown = await api("POST", "/v1/orders", {
      externalId: "MIX-0",
      memberId: "mem_doesnotexist",
      memberPhone: "0912000004",
      channel: "pos",
      items: [item("CF", 1, 100000)],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toMatch(/member-not-found$/);
    const ledger = (await api("GET", `/v1/members/${a.id}/ledger`)).body.entries;
    expect(ledger).toEqual([]);
    // The same member by both: fine.
    const ok = await api("POST", "/v1/orders", {
      externalId: "MIX-1",
      memberId: a.id,
      memberPhone: "+84912000003",
      channel: "pos",
      items: [item("CF", 1, 100000)],
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ memberId: a.id, pointsEarned: 10 });
  });
});

describe("cancel a redemption", () => {
  it("points back with their lots' expiry, stock restored, voucher dead; idempotent; used → 409; other shop → 404", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", { pointsExpireDays: 365 });
    const m = (await api("POST", "/v1/members", { phone: "0912000010" })).body;
    await api("POST", "/v1/orders", {
      externalId: "E-1",
      memberId: m.id,
      channel: "pos",
      items: [item("CF", 1, 300000)],
    });
    s.clock.advance(10 * 86_400_000);
    await api("POST", "/v1/orders", {
      externalId: "E-2",
      memberId: m.id,
      channel: "pos",
      items: [item("CF", 1, 300000)],
    });
    const lotsBefore = await lots(m.id);
    const reward = (await api("POST", "/v1/rewards", { name: "Cup", cost: 40, kind: "product", stock: 3 })).body;
    const red = (await api("POST", `/v1/members/${m.id}/redemptions`, { rewardId: reward.id })).body;
    expect(red.balance).toBe(20);

    const c1 = await api("POST", `/v1/redemptions/${red.redemptionId}/cancel`);
    expect(c1.status).toBe(201);
    expect(c1.body).toMatchObject({ redemptionId: red.redemptionId, pointsReturned: 40, balance: 60 });
    // FIFO: 30 from the first lot, 10 from the second, each back with its own earn date and expiry.
    const returned = (await lots(m.id)).filter((l) => !lotsBefore.some((b) => b.id === l.id));
    expect(returned.map((l) => [l.remaining, l.earnedAt, l.expiresAt])).toEqual([
      [30, lotsBefore[0]!.earnedAt, lotsBefore[0]!.expiresAt],
      [10, lotsBefore[1]!.earnedAt, lotsBefore[1]!.expiresAt],
    ]);
    // Idempotent: the same figures, nothing changes.
    const c2 = await api("POST", `/v1/redemptions/${red.redemptionId}/cancel`);
    expect(c2.status).toBe(200);
    expect(c2.body).toEqual(c1.body);
    expect((await api("GET", `/v1/rewards/${reward.id}`)).body.stock).toBe(3);
    const use = await api("POST", `/v1/vouchers/${red.code}/use`);
    expect(use.status).toBe(409);
    expect(use.body.type).toMatch(/\/voucher-cancelled$/);
    const open = (await api("GET", `/v1/members/${m.id}/vouchers`)).body.vouchers;
    expect(open).toEqual([]);
    const ledger = (await api("GET", `/v1/members/${m.id}/ledger?limit=100`)).body.entries;
    expect(ledger.reduce((a: number, e: { points: number }) => a + e.points, 0)).toBe(60);
    expect(ledger.filter((e: { kind: string }) => e.kind === "adjust").length).toBe(2);

    // A used voucher cannot be cancelled.
    const red2 = (await api("POST", `/v1/members/${m.id}/redemptions`, { rewardId: reward.id })).body;
    expect((await api("POST", `/v1/vouchers/${red2.code}/use`)).status).toBe(200);
    const usedCancel = await api("POST", `/v1/redemptions/${red2.redemptionId}/cancel`);
    expect(usedCancel.status).toBe(409);
    expect(usedCancel.body.type).toMatch(/\/voucher-already-used$/);
    expect((await api("GET", `/v1/members/${m.id}`)).body.points.balance).toBe(20);

    // Another merchant's redemption id → 404, nothing changes.
    const other = await s.merchant();
    const foreign = await other.api("POST", `/v1/redemptions/${red2.redemptionId}/cancel`);
    expect(foreign.status).toBe(404);
    expect((await other.api("POST", "/v1/redemptions/rdm_nope/cancel")).status).toBe(404);
  });
});

async function lots(memberId: string) {
  const { sql } = await import("drizzle-orm");
  const res = await s.database.db.execute(
    sql`select id, remaining, earned_at, expires_at from point_lots where member_id = ${memberId} order by id`,
  );
  const rows = ((res as { rows?: unknown[] }).rows ?? (res as unknown as unknown[])) as {
    id: number;
    remaining: number;
    earned_at: string | Date;
    expires_at: string | Date | null;
  }[];
  return rows.map((r) => ({
    id: Number(r.id),
    remaining: Number(r.remaining),
    earnedAt: new Date(r.earned_at).toISOString(),
    expiresAt: r.expires_at ? new Date(r.expires_at).toISOString() : null,
  }));
}
