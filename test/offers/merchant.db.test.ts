/** Merchant inputs (settings, bundles, variants) and the kinds they produce; the chat port; campaign bundle ids. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { DomainError } from "../../src/lib/errors.ts";
import { claimOfferForChat, listOffersForChat } from "../../src/offers/service.ts";
import type { OffersPort } from "../../bots/core/types.ts";
import { memberOrder, newMember, seedHistory } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const kinds = (offers: { kind: string }[]) => offers.map((o) => o.kind);
const get = async (api: Api, m: string) =>
  (await api("GET", `/v1/members/${m}/offers`)).body.offers as {
    id: string;
    kind: string;
    sku?: string;
    skus: string[];
    text: string;
    bundleId: string | null;
    memberPrice: number | null;
    discountPercent: number | null;
    rewardId: string | null;
  }[];

describe("settings", () => {
  it("GET gives the defaults; PUT replaces (validated, 400 with paths); kinds can be turned off", async () => {
    const { api } = await s.merchant();
    const d = await api("GET", "/v1/offers/settings");
    expect(d.body).toMatchObject({
      enabled: true,
      maxOffers: 3,
      validHours: 72,
      cooldownDays: 7,
      crossSellDiscountPercent: 10,
      postPurchaseHours: 24,
    });
    const bad = await api("PUT", "/v1/offers/settings", { maxOffers: 4, validHours: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["maxOffers", "validHours"]);
    const put = await api("PUT", "/v1/offers/settings", { maxOffers: 1, kinds: { "post-purchase": false } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      maxOffers: 1,
      validHours: 72,
      kinds: { "post-purchase": false, "cross-sell": true },
    });
    expect((await api("GET", "/v1/offers/settings")).body).toEqual(put.body);

    await seedHistory(api);
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const offers = await get(api, m);
    expect(kinds(offers)).toEqual(["cross-sell"]);
    await api("PUT", "/v1/offers/settings", { enabled: false });
    await memberOrder(api, m, ["TEA"]);
    expect(await get(api, m)).toEqual([]);
  });
});

describe("bundles, tiers, variants, nudges", () => {
  it("merchant bundle (combo −20%) and a tier-exclusive deal for the tier and above only", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Đồng", minSpend: 0, multiplier: 1 },
        { name: "Vàng", minSpend: 100000, multiplier: 1.5 },
      ],
    });
    await api("PUT", "/v1/offers/settings", { kinds: { "cross-sell": false, "post-purchase": false, nudge: false } });
    await seedHistory(api, [["TEA", "CAKE"], ["CROIS"], ["SNACK"], ["WATER"]]);
    const combo = await api("POST", "/v1/bundles", {
      name: "Combo chiều",
      skus: ["TEA", "CAKE"],
      discountPercent: 20,
      bonusPoints: 5,
    });
    expect(combo.status).toBe(201);
    expect(combo.body).toMatchObject({
      id: expect.stringMatching(/^bnd_/),
      kind: "bundle",
      skus: ["TEA", "CAKE"],
      discountPercent: 20,
      active: true,
    });
    const gold = await api("POST", "/v1/bundles", {
      name: "Đặc quyền Vàng",
      skus: ["CROIS"],
      price: 15000,
      minTier: "Vàng",
    });
    expect(gold.body.kind).toBe("tier-exclusive");
    // Validation: a single sku needs minTier; unknown tier; duplicate skus.
    expect((await api("POST", "/v1/bundles", { name: "x", skus: ["A"] })).status).toBe(400);
    expect(
      (await api("POST", "/v1/bundles", { name: "x", skus: ["A"], minTier: "Kim cương" })).body.errors[0].path,
    ).toBe("minTier");
    expect((await api("POST", "/v1/bundles", { name: "x", skus: ["A", "A"] })).status).toBe(400);
    expect((await api("GET", "/v1/bundles")).body.bundles).toHaveLength(2);

    const low = await newMember(api);
    await memberOrder(api, low, ["WATER"]);
    const lowOffers = await get(api, low);
    expect(kinds(lowOffers)).toEqual(["bundle"]);
    expect(lowOffers[0]).toMatchObject({
      bundleId: combo.body.id,
      skus: ["TEA", "CAKE"],
      memberPrice: 62400,
      discountPercent: 20,
    });
    expect(lowOffers[0]!.sku).toBeUndefined();
    expect(lowOffers[0]!.text).toBe(
      "Combo chiều (Trà đào + Tiramisu) −20%: giá thành viên 62.400 ₫ (thay vì 78.000 ₫), tặng thêm 5 điểm. Hạn đến 10:00 23/11/2026.",
    );

    const vip = await newMember(api, { language: "en" });
    await memberOrder(api, vip, ["SNACK"], { items: [{ sku: "SNACK", quantity: 10, unitPrice: 15000 }] });
    const vipOffers = await get(api, vip);
    expect(kinds(vipOffers)).toEqual(["tier-exclusive", "bundle"]);
    expect(vipOffers[0]).toMatchObject({ sku: "CROIS", skus: ["CROIS"], memberPrice: 15000 });
    expect(vipOffers[0]!.text).toMatch(
      /^Vàng members only: Đặc quyền Vàng \(Bánh sừng bò\): member price 15,000 ₫ \(instead of 28,000 ₫\)/,
    );

    // A member who just bought tea gets no combo with tea.
    const tea = await newMember(api);
    await memberOrder(api, tea, ["TEA"]);
    expect(await get(api, tea)).toEqual([]);

    // Retired bundles are not offered.
    const retired = await api("PATCH", `/v1/bundles/${combo.body.id}`, { active: false });
    expect(retired.body.active).toBe(false);
    const later = await newMember(api);
    await memberOrder(api, later, ["WATER"]);
    expect(await get(api, later)).toEqual([]);
    expect((await api("GET", "/v1/bundles/bnd_nope")).status).toBe(404);
  });

  it("upsell of a linked, higher-priced variant in the same category", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/offers/settings", { kinds: { "cross-sell": false, "post-purchase": false, bundle: false } });
    await seedHistory(api, [["CF"], ["CF-L"], ["TEA"]]);
    const put = await api("PUT", "/v1/products/CF/variants", { variants: ["CF-L", "TEA", "CF"] });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      sku: "CF",
      variants: [
        { sku: "CF-L", name: "Cà phê sữa đá (lớn)", category: "coffee", price: 39000 },
        { sku: "TEA", name: "Trà đào", category: "tea", price: 39000 },
      ],
    });
    const m = await newMember(api, { name: "Lê Minh Tuấn" });
    await memberOrder(api, m, ["CF"]);
    const offers = await get(api, m);
    expect(offers.map((o) => [o.kind, o.sku])).toEqual([["upsell", "CF-L"]]);
    expect(offers[0]!.text).toMatch(
      /^Tuấn ơi, lần tới nâng cấp Cà phê sữa đá lên Cà phê sữa đá \(lớn\): giá thành viên 35\.100 ₫ \(thay vì 39\.000 ₫\)/,
    );
    expect((await api("GET", "/v1/products/CF/variants")).body.variants).toHaveLength(2);
  });

  it("nudge towards the closest reward", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/offers/settings", { kinds: { "cross-sell": false, "post-purchase": false } });
    const reward = await api("POST", "/v1/rewards", { name: "Cà phê sữa đá miễn phí", cost: 20, kind: "product" });
    const m = await newMember(api);
    await memberOrder(api, m, ["BM"], { items: [{ sku: "BM", quantity: 6, unitPrice: 25000 }] }); // 15 points
    const offers = await get(api, m);
    expect(offers.map((o) => [o.kind, o.rewardId])).toEqual([["nudge", reward.body.id]]);
    expect(offers[0]!.text).toMatch(/^Bạn chỉ còn 5 điểm nữa là đổi được Cà phê sữa đá miễn phí!/);
  });
});

describe("chat port and campaign bundle ids", () => {
  it("listOffersForChat / claimOfferForChat have the OffersPort shapes and agree with the API", async () => {
    const { api, merchantId } = await s.merchant();
    await seedHistory(api);
    const m = await newMember(api, { name: "Emily Carter", language: "en" });
    await memberOrder(api, m, ["CF"]);
    const port: OffersPort = { list: listOffersForChat, claim: claimOfferForChat };
    const db = s.database.db;
    const listed = await port.list(db, merchantId, m, s.clock.now());
    const api1 = await get(api, m);
    expect(listed.map((o) => o.id)).toEqual(api1.map((o) => o.id));
    expect(listed[0]!.expiresAt).toBeInstanceOf(Date);
    expect(listed[0]!.text).toMatch(/^Emily, customers who buy/);
    expect(listed[0]!.text).not.toMatch(/Valid until/); // the bot adds the expiry itself
    const claimed = await port.claim(db, merchantId, m, listed[0]!.id, s.clock.now());
    expect(claimed.expiresAt).toBeInstanceOf(Date);
    const again = await api("POST", `/v1/members/${m}/offers/${listed[0]!.id}/claims`);
    expect(again.body.code).toBe(claimed.code);
    const other = await newMember(api);
    await expect(port.claim(db, merchantId, other, listed[0]!.id, s.clock.now())).rejects.toBeInstanceOf(DomainError);
    await expect(
      port.claim(db, merchantId, m, listed[1]!.id, new Date(s.clock.now().getTime() + 10 * 86_400_000)),
    ).rejects.toMatchObject({ status: 409, slug: "offer-expired" });
  });

  it("a bundle id (from a campaign button) claims a personal offer for the bundle, idempotently; tier-exclusive needs the tier", async () => {
    const { api } = await s.merchant();
    await seedHistory(api, [["TEA", "CAKE"], ["CROIS"]]);
    const combo = (await api("POST", "/v1/bundles", { name: "Combo", skus: ["TEA", "CAKE"], discountPercent: 10 }))
      .body;
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Đồng", minSpend: 0, multiplier: 1 },
        { name: "Vàng", minSpend: 1_000_000, multiplier: 1 },
      ],
    });
    const vip = (await api("POST", "/v1/bundles", { name: "VIP", skus: ["CROIS"], price: 1000, minTier: "Vàng" })).body;
    const m = await newMember(api);
    const a = await api("POST", `/v1/members/${m}/offers/${combo.id}/claims`);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ kind: "bundle", skus: ["TEA", "CAKE"], memberPrice: 70200 });
    const b = await api("POST", `/v1/members/${m}/offers/${combo.id}/claims`);
    expect(b.status).toBe(200);
    expect(b.body.code).toBe(a.body.code);
    // It does not take a place in the member's own list.
    expect((await get(api, m)).some((o) => o.bundleId === combo.id && o.id === a.body.offerId)).toBe(false);
    const tier = await api("POST", `/v1/members/${m}/offers/${vip.id}/claims`);
    expect(tier.status).toBe(409);
    expect(tier.body.type).toMatch(/\/tier-required$/);
    expect((await api("POST", `/v1/members/${m}/offers/bnd_nope/claims`)).status).toBe(404);
    // Redeemed with both products in the order.
    await memberOrder(api, m, ["TEA", "CAKE"], { offerCodes: [a.body.code] });
    expect((await api("GET", `/v1/offers/claims/${a.body.code}`)).body.state).toBe("redeemed");
  });
});

describe("OpenAPI", () => {
  it("documents the offers and recommendations endpoints", async () => {
    const doc = await (await fetch(`${s.url}/v1/openapi.json`)).json();
    for (const p of [
      "/v1/products/{sku}/recommendations",
      "/v1/members/{id}/offers",
      "/v1/members/{id}/offers/{offerId}/claims",
      "/v1/offers/settings",
      "/v1/bundles",
      "/v1/bundles/{id}",
      "/v1/products/{sku}/variants",
      "/v1/offers/claims/{code}",
      "/v1/recs/model",
      "/v1/recs/model/builds",
    ])
      expect(doc.paths[p], p).toBeDefined();
    expect(
      doc.paths["/v1/products/{sku}/recommendations"].get.parameters.find((x: { name: string }) => x.name === "limit")
        .schema,
    ).toMatchObject({ minimum: 1, default: 5 });
  });
});
