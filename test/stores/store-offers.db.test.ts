/** Bundles limited to stores (storeIds): claiming and redeeming elsewhere → 409 store-not-eligible / no bonus. */
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

describe("offers limited to stores", () => {
  it("storeIds on a bundle: validated, shown, and enforced at claim, look-up and redemption", async () => {
    const { api } = await s.merchant();
    const other = await s.merchant();
    await seedHistory(api, [["TEA", "CAKE"]]);
    const a = (await api("POST", "/v1/stores", { code: "A", name: "A" })).body.id;
    const b = (await api("POST", "/v1/stores", { code: "B", name: "B" })).body.id;
    const foreign = (await other.api("POST", "/v1/stores", { code: "F", name: "F" })).body.id;

    const bad = await api("POST", "/v1/bundles", { name: "x", skus: ["TEA", "CAKE"], storeIds: [a, foreign] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: "storeIds.1", message: `unknown store ${foreign}` }]);
    const combo = await api("POST", "/v1/bundles", {
      name: "Combo A",
      skus: ["TEA", "CAKE"],
      bonusPoints: 50,
      storeIds: [a],
    });
    expect(combo.status).toBe(201);
    expect(combo.body.storeIds).toEqual([a]);
    const open = await api("POST", "/v1/bundles", { name: "Everywhere", skus: ["TEA", "CAKE"], bonusPoints: 5 });
    expect(open.body.storeIds).toBeNull();

    const m = await newMember(api);
    // Claiming at store B: refused, nothing claimed; at A (or without a store): the code.
    const atB = await api("POST", `/v1/members/${m}/offers/${combo.body.id}/claims?storeId=${b}`);
    expect(atB.status).toBe(409);
    expect(atB.body.type).toMatch(/\/store-not-eligible$/);
    expect(atB.body.storeIds).toEqual([a]);
    const claim = await api("POST", `/v1/members/${m}/offers/${combo.body.id}/claims?storeId=${a}`);
    expect(claim.status).toBe(201);
    const code = claim.body.code as string;
    // The offer id itself is checked the same way.
    expect((await api("POST", `/v1/members/${m}/offers/${claim.body.offerId}/claims?storeId=${b}`)).status).toBe(409);
    expect((await api("POST", `/v1/members/${m}/offers/${open.body.id}/claims?storeId=${b}`)).status).toBe(201);

    // The till's look-up.
    expect((await api("GET", `/v1/offers/claims/${code}?storeId=${b}`)).status).toBe(409);
    const look = await api("GET", `/v1/offers/claims/${code}?storeId=${a}`);
    expect(look.body).toMatchObject({ state: "open", storeIds: [a] });

    // Redemption: an order at B (or without a store) ignores the code; at A it redeems it.
    const before = (await api("GET", `/v1/offers/claims/${code}`)).body.state;
    expect(before).toBe("open");
    const noBonusB = await memberOrder(api, m, ["TEA", "CAKE"], { offerCodes: [code], storeId: b });
    const noBonusNone = await memberOrder(api, m, ["TEA", "CAKE"], { offerCodes: [code] });
    expect((await api("GET", `/v1/offers/claims/${code}`)).body.state).toBe("open");
    const redeemed = await memberOrder(api, m, ["TEA", "CAKE"], { offerCodes: [code], storeId: a });
    expect(redeemed.pointsEarned).toBe(noBonusB.pointsEarned);
    expect((await api("GET", `/v1/offers/claims/${code}`)).body.state).toBe("redeemed");
    const order = (await api("GET", `/v1/orders/${redeemed.externalId}`)).body;
    expect(order.offerBonuses.map((x: { points: number }) => x.points)).toEqual([50]);
    expect((await api("GET", `/v1/orders/${noBonusNone.externalId}`)).body.offerBonuses).toEqual([]);

    // PATCH: storeIds null lifts the limit.
    const lifted = await api("PATCH", `/v1/bundles/${combo.body.id}`, { storeIds: null });
    expect(lifted.body.storeIds).toBeNull();
  });
});
