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
