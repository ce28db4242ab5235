/** GET /v1/orders/{externalId} (issue 13 defect 4): the stored breakdown, offer bonuses, refunds; figures add up. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { memberOrder, newMember, seedHistory } from "../offers/fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("order read", () => {
  it("shows lines, the breakdown stored at earn time, the offer bonus and refunds; Σ entries = net", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", { earn: { points: 1, spend: 1000 }, categoryMultipliers: { coffee: 2 } });
    await api("PUT", "/v1/offers/settings", { kinds: { "post-purchase": false, nudge: false } });
    await seedHistory(api);
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const o = (await api("GET", `/v1/members/${m}/offers`)).body.offers.find(
      (x: { kind: string }) => x.kind === "cross-sell",
    );
    const { body: claim } = await api("POST", `/v1/members/${m}/offers/${o.id}/claims`);
    const placed = await api("POST", "/v1/orders", {
      externalId: "POS-0001",
      memberId: m,
      offerCodes: [claim.code],
      items: [
        { sku: "CF", name: "Cà phê", category: "coffee", quantity: 2, unitPrice: 29000 },
        { sku: o.sku, quantity: 1, unitPrice: o.memberPrice },
      ],
    });
    expect(placed.status).toBe(201);
    // The program changes afterwards: the read shows the multipliers of the day of the order.
    await api("PUT", "/v1/program", { earn: { points: 1, spend: 1000 }, categoryMultipliers: { coffee: 3 } });

    const r = await api("GET", "/v1/orders/POS-0001");
    expect(r.status).toBe(200);
    const v = r.body;
    expect(v).toMatchObject({ externalId: "POS-0001", memberId: m, total: 58000 + o.memberPrice });
    expect(v.lines).toHaveLength(2);
    expect(v.lines[0]).toMatchObject({ lineNo: 1, sku: "CF", quantity: 2, amount: 58000 });
    expect(v.breakdown.lines[0]).toMatchObject({ sku: "CF", multiplier: 2, source: "category" });
    expect(v.breakdown.earn).toBe(placed.body.pointsEarned - v.breakdown.bonus);
    expect(v.offerBonuses).toEqual([{ offerId: o.id, kind: "cross-sell", code: claim.code, points: o.bonusPoints }]);
    expect(v.points.earned).toBe(v.breakdown.earn + v.breakdown.bonus + o.bonusPoints);
    expect(v.points).toMatchObject({ reversed: 0, net: v.points.earned });

    const refund = await api("POST", "/v1/orders/POS-0001/refunds", { externalId: "RF-1" });
    expect(refund.status).toBe(201);
    const after = (await api("GET", "/v1/orders/POS-0001")).body;
    expect(after.refundedTotal).toBe(after.total);
    expect(after.refunds).toHaveLength(1);
    expect(after.refunds[0]).toMatchObject({ externalId: "RF-1", amount: after.total });
    expect(after.points.reversed).toBe(after.points.earned);
    expect(after.points.net).toBe(0);
    const sum = after.entries.reduce((t: number, e: { points: number }) => t + e.points, 0);
    expect(sum).toBe(after.points.net);
    expect(after.refunds[0].pointsReversed).toBe(after.points.reversed);
  });

  it("a guest order has no breakdown; an unknown one is 404; another merchant's is 404", async () => {
    const { api } = await s.merchant();
    await api("POST", "/v1/orders", { externalId: "G-1", items: [{ sku: "A", quantity: 1, unitPrice: 1000 }] });
    expect((await api("GET", "/v1/orders/G-1")).body).toMatchObject({
      memberId: null,
      breakdown: null,
      points: { earned: 0, reversed: 0, net: 0 },
      entries: [],
    });
    const missing = await api("GET", "/v1/orders/NOPE");
    expect(missing.status).toBe(404);
    expect(missing.body.type).toContain("order-not-found");
    const other = await s.merchant();
    expect((await other.api("GET", "/v1/orders/G-1")).status).toBe(404);
  });
});
