/** GET /v1/members/{id}/offers and claims over HTTP, on both databases. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { CATALOG, memberOrder, newMember, seedHistory } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

interface Offer {
  id: string;
  kind: string;
  sku?: string;
  skus: string[];
  text: string;
  expiresAt: string;
  basis: string;
  rule: { lhs: string[]; rhs: string; modelVersion: number } | null;
  bonusPoints: number;
  memberPrice: number | null;
  triggerOrderId: string | null;
}

async function shop(): Promise<Api> {
  const { api } = await s.merchant();
  await seedHistory(api);
  expect((await api("POST", "/v1/recs/model/builds")).status).toBe(201);
  return api;
}

const offersOf = async (api: Api, memberId: string, query = ""): Promise<Offer[]> => {
  const r = await api("GET", `/v1/members/${memberId}/offers${query}`);
  expect(r.status).toBe(200);
  return r.body.offers;
};

describe("GET /v1/members/{id}/offers", () => {
  it("cross-sell from the co-purchase rules on the last order: never a product of that order, at most 3, each single-product offer with its sku", async () => {
    const api = await shop();
    const m = await newMember(api, { name: "Nguyễn Văn Hoa" });
    const order = await memberOrder(api, m, ["CF"]);
    const offers = await offersOf(api, m);
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.length).toBeLessThanOrEqual(3);
    for (const o of offers) {
      expect(o.skus).not.toContain("CF");
      expect(o.sku).not.toBe("CF");
      expect(typeof o.text).toBe("string");
      expect(new Date(o.expiresAt).getTime()).toBeGreaterThan(s.clock.now().getTime());
      if (o.skus.length === 1 && o.kind !== "bundle") expect(o.sku).toBe(o.skus[0]);
    }
    const cross = offers.filter((o) => o.kind === "cross-sell");
    expect(cross.map((o) => o.sku)).toEqual(["BM", "CROIS"]);
    for (const o of cross) {
      expect(o.basis).toBe("rule");
      expect(o.rule).toMatchObject({ lhs: ["CF"], rhs: o.sku, modelVersion: 1 });
      expect(o.triggerOrderId).toBe(order.orderId);
    }
    // vi by default, with the member's given name and VND formatting.
    expect(cross[0]!.text).toBe(
      "Hoa ơi, khách mua Cà phê sữa đá thường dùng thêm Bánh mì thịt: giá thành viên 22.500 ₫ (thay vì 25.000 ₫), tặng thêm 2 điểm. Hạn đến 10:00 23/11/2026.",
    );
    const en = await offersOf(api, m, "?lang=en");
    expect(en.map((o) => o.id)).toEqual(offers.map((o) => o.id));
    expect(en[0]!.text).toBe(
      "Hoa, customers who buy Cà phê sữa đá often add Bánh mì thịt: member price 22,500 ₫ (instead of 25,000 ₫) plus 2 bonus points. Valid until 23 Nov 2026, 10:00.",
    );
  });

  it("the member's language: en members get English text", async () => {
    const api = await shop();
    const m = await newMember(api, { name: "Emily Carter", language: "en" });
    await memberOrder(api, m, ["TEA"]);
    const [first] = await offersOf(api, m);
    expect(first).toMatchObject({ kind: "cross-sell", sku: "CAKE" });
    expect(first!.text).toMatch(
      /^Emily, customers who buy Trà đào often add Tiramisu: member price 35,100 ₫ \(instead of 39,000 ₫\)/,
    );
  });

  it("never suggests a product of the same basket (multi-item order, rules with two items on the left)", async () => {
    const api = await shop();
    const m = await newMember(api);
    await memberOrder(api, m, ["CF", "BM"]);
    const offers = await offersOf(api, m);
    for (const o of offers) for (const sku of ["CF", "BM"]) expect(o.skus).not.toContain(sku);
    expect(offers.find((o) => o.kind === "cross-sell")).toMatchObject({ sku: "CROIS" });
  });

  it("repeated GETs return the same offers (ids) while valid; a new order gives a new list without its products", async () => {
    const api = await shop();
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const a = await offersOf(api, m);
    s.clock.advance(3_600_000);
    const b = await offersOf(api, m);
    expect(b).toEqual(a);
    const [x, y] = await Promise.all([offersOf(api, m), offersOf(api, m)]);
    expect(x.map((o) => o.id)).toEqual(a.map((o) => o.id));
    expect(y.map((o) => o.id)).toEqual(a.map((o) => o.id));

    const order2 = await memberOrder(api, m, ["TEA", "BM"]);
    const c = await offersOf(api, m);
    expect(c.map((o) => o.id)).not.toEqual(a.map((o) => o.id));
    for (const o of c) {
      expect(o.triggerOrderId).toBe(order2.orderId);
      for (const sku of ["TEA", "BM"]) expect(o.skus).not.toContain(sku);
    }
    // The most likely add-on: every order with BM had CF (P ≈ 0.79 after shrinkage), ahead of TEA → CAKE (≈ 0.48).
    expect(c.find((o) => o.kind === "cross-sell")).toMatchObject({ sku: "CF" });
    // Superseded offers stay explainable.
    const old = await api("GET", `/v1/members/${m}/offers/${a[0]!.id}`);
    expect(old.body).toMatchObject({ id: a[0]!.id, status: "superseded", rule: { lhs: ["CF"], modelVersion: 1 } });
  });

  it("falls back to the category's best sellers when no rule applies", async () => {
    const api = await shop();
    const m = await newMember(api);
    await memberOrder(api, m, ["DEN"]); // sold alone: no rule with DEN
    const offers = await offersOf(api, m);
    const cross = offers.filter((o) => o.kind === "cross-sell");
    expect(cross.length).toBeGreaterThan(0);
    for (const o of cross) {
      expect(o.basis).toBe("best-seller");
      expect(CATALOG[o.sku!]!.category).toBe("coffee");
      expect(o.sku).not.toBe("DEN");
    }
    expect(cross[0]!.sku).toBe("CF");
  });

  it("a member without orders gets the shop's best sellers; unknown member → 404; another merchant's member → 404", async () => {
    const api = await shop();
    const m = await newMember(api);
    const offers = await offersOf(api, m);
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.every((o) => o.kind !== "post-purchase")).toBe(true);
    expect((await api("GET", "/v1/members/mem_nope/offers")).status).toBe(404);
    const other = await s.merchant("Other");
    const r = await other.api("GET", `/v1/members/${m}/offers`);
    expect(r.status).toBe(404);
    expect(r.body.type).toMatch(/\/member-not-found$/);
  });

  it("offers even before any model build (built on first use)", async () => {
    const { api } = await s.merchant();
    await seedHistory(api);
    const m = await newMember(api);
    await memberOrder(api, m, ["TEA"]);
    const offers = await offersOf(api, m);
    expect(offers[0]).toMatchObject({ kind: "cross-sell", sku: "CAKE", basis: "rule" });
  });
});

describe("claims", () => {
  it("201 then the same code; the other member's offer → 404; empty body with or without a JSON content type", async () => {
    const api = await shop();
    const m = await newMember(api);
    const m2 = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const [o] = await offersOf(api, m);
    const first = await api("POST", `/v1/members/${m}/offers/${o!.id}/claims`);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ code: expect.stringMatching(/^[A-Z0-9]{8}$/), expiresAt: o!.expiresAt });
    const again = await api("POST", `/v1/members/${m}/offers/${o!.id}/claims`, undefined, {
      "content-type": "application/json",
    });
    expect([200, 201]).toContain(again.status);
    expect(again.body.code).toBe(first.body.code);
    const withBody = await api("POST", `/v1/members/${m}/offers/${o!.id}/claims`, {});
    expect(withBody.body.code).toBe(first.body.code);
    const bad = await api("POST", `/v1/members/${m}/offers/${o!.id}/claims`, "{not json");
    expect(bad.status).toBe(400);

    const other = await api("POST", `/v1/members/${m2}/offers/${o!.id}/claims`);
    expect(other.status).toBe(404);
    expect(other.body.type).toMatch(/\/offer-not-found$/);
    expect((await api("POST", `/v1/members/${m}/offers/ofr_nope/claims`)).status).toBe(404);
    const otherShop = await s.merchant("Other");
    expect((await otherShop.api("POST", `/v1/members/${m}/offers/${o!.id}/claims`)).status).toBe(404);

    // The list shows the claim.
    const listed = (await api("GET", `/v1/members/${m}/offers`)).body.offers.find((x: Offer) => x.id === o!.id);
    expect(listed.claim).toMatchObject({ code: first.body.code, orderId: null });
    const lookup = await api("GET", `/v1/offers/claims/${first.body.code.toLowerCase()}`);
    expect(lookup.body).toMatchObject({ code: first.body.code, state: "open", memberId: m, offerId: o!.id });
    expect((await otherShop.api("GET", `/v1/offers/claims/${first.body.code}`)).status).toBe(404);
  });

  it("an expired offer → 409 offer-expired (claimed or not)", async () => {
    const api = await shop();
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const offers = await offersOf(api, m);
    const claimed = await api("POST", `/v1/members/${m}/offers/${offers[0]!.id}/claims`);
    expect(claimed.status).toBe(201);
    s.clock.advanceDays(4);
    for (const o of offers) {
      const r = await api("POST", `/v1/members/${m}/offers/${o.id}/claims`);
      expect(r.status).toBe(409);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body.type).toMatch(/\/offer-expired$/);
    }
  });

  it("redeeming at the till: add-on bonus points credited exactly once, conversion recorded", async () => {
    const api = await shop();
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const offers = await offersOf(api, m);
    const o = offers.find((x) => x.kind === "cross-sell")!;
    const { body: claim } = await api("POST", `/v1/members/${m}/offers/${o.id}/claims`);
    const ledgerBonus = async () =>
      (await api("GET", `/v1/members/${m}/ledger?limit=500`)).body.entries.filter(
        (e: { kind: string; reason: string | null }) => e.kind === "bonus" && (e.reason ?? "").includes(o.id),
      );

    // Without the offered product: nothing, the code stays open.
    await memberOrder(api, m, ["WATER"], { offerCodes: [claim.code] });
    expect(await ledgerBonus()).toHaveLength(0);
    expect((await api("GET", `/v1/offers/claims/${claim.code}`)).body.state).toBe("open");

    const before = (await api("GET", `/v1/members/${m}`)).body.points.balance;
    const body = {
      externalId: "REDEEM-1",
      memberId: m,
      offerCodes: [claim.code.toLowerCase()],
      items: [{ sku: o.sku, quantity: 1, unitPrice: o.memberPrice }],
    };
    const r1 = await api("POST", "/v1/orders", body);
    expect(r1.status).toBe(201);
    expect(r1.body.balance).toBe(before + r1.body.pointsEarned + o.bonusPoints);
    // A replay of the same order: the same response, no second credit.
    const r2 = await api("POST", "/v1/orders", body);
    expect(r2.body).toEqual(r1.body);
    // Another order with the same code: no credit.
    await memberOrder(api, m, [o.sku!], { offerCodes: [claim.code] });
    const entries = await ledgerBonus();
    expect(entries).toHaveLength(1);
    expect(entries[0].points).toBe(o.bonusPoints);
    const lookup = (await api("GET", `/v1/offers/claims/${claim.code}`)).body;
    expect(lookup).toMatchObject({ state: "redeemed", orderId: r1.body.orderId });
    const view = (await api("GET", `/v1/members/${m}/offers/${o.id}`)).body;
    expect(view.claim).toMatchObject({ orderId: r1.body.orderId, pointsCredited: o.bonusPoints });
    const stats = (await api("GET", "/v1/offers/stats")).body.kinds.find(
      (k: { kind: string }) => k.kind === "cross-sell",
    );
    expect(stats).toMatchObject({ claimed: 1, redeemed: 1, bonusPoints: o.bonusPoints });
    // Σ ledger = balance still holds.
    const ledger = (await api("GET", `/v1/members/${m}/ledger?limit=500`)).body.entries;
    expect(ledger.reduce((a: number, e: { points: number }) => a + e.points, 0)).toBe(
      (await api("GET", `/v1/members/${m}`)).body.points.balance,
    );

    // A full refund of the redeeming order takes back its points and the add-on bonus.
    const beforeRefund = (await api("GET", `/v1/members/${m}`)).body.points.balance;
    const refund = await api("POST", "/v1/orders/REDEEM-1/refunds", { externalId: "REDEEM-1-R" });
    expect(refund.status).toBe(201);
    // Issue 13: pointsReversed is the whole balance change (order points + add-on bonus), with a breakdown.
    expect(refund.body.pointsReversed).toBe(r1.body.pointsEarned + o.bonusPoints);
    expect(refund.body).toMatchObject({
      orderPointsReversed: r1.body.pointsEarned,
      bonusPointsReversed: o.bonusPoints,
    });
    expect(refund.body.balance).toBe(beforeRefund - refund.body.pointsReversed);
    const after = (await api("GET", `/v1/members/${m}/ledger`)).body.entries;
    const bonusBack = after.filter(
      (e: { kind: string; reason: string | null }) =>
        e.kind === "refund" && (e.reason ?? "").includes(`add-on bonus of offer ${o.id}`),
    );
    expect(bonusBack.map((e: { points: number }) => e.points)).toEqual([-o.bonusPoints]);
    expect(after.reduce((a: number, e: { points: number }) => a + e.points, 0)).toBe(refund.body.balance);
  });

  it("a code does nothing for another member, a guest order, or after it expired", async () => {
    const api = await shop();
    const m = await newMember(api);
    const m2 = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const o = (await offersOf(api, m)).find((x) => x.kind === "cross-sell")!;
    const { body: claim } = await api("POST", `/v1/members/${m}/offers/${o.id}/claims`);
    await memberOrder(api, m2, [o.sku!], { offerCodes: [claim.code] });
    await api("POST", "/v1/orders", {
      externalId: "GUEST-CODE",
      offerCodes: [claim.code],
      items: [{ sku: o.sku, quantity: 1, unitPrice: 1000 }],
    });
    expect((await api("GET", `/v1/offers/claims/${claim.code}`)).body.state).toBe("open");
    s.clock.advanceDays(4);
    const late = await memberOrder(api, m, [o.sku!], { offerCodes: [claim.code] });
    expect((await api("GET", `/v1/offers/claims/${claim.code}`)).body.state).toBe("expired");
    const ledger = (await api("GET", `/v1/members/${m}/ledger`)).body.entries;
    expect(
      ledger.filter((e: { kind: string; orderId: string | null }) => e.kind === "bonus" && e.orderId === late.orderId),
    ).toHaveLength(0);
  });

  it("post-purchase offer: bonus points on any order within 24 h", async () => {
    const api = await shop();
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const pp = (await offersOf(api, m)).find((x) => x.kind === "post-purchase")!;
    expect(pp).toMatchObject({ skus: [], bonusPoints: 10 });
    expect(pp.sku).toBeUndefined();
    expect(new Date(pp.expiresAt).getTime() - s.clock.now().getTime()).toBeLessThanOrEqual(24 * 3_600_000);
    const { body: claim } = await api("POST", `/v1/members/${m}/offers/${pp.id}/claims`);
    s.clock.advance(5 * 3_600_000);
    const r = await memberOrder(api, m, ["WATER"], { offerCodes: [claim.code] });
    expect((await api("GET", `/v1/offers/claims/${claim.code}`)).body).toMatchObject({
      state: "redeemed",
      orderId: r.orderId,
    });
  });
});
