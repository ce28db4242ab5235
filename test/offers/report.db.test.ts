/** Offers measured by what they sell: the funnel report, the holdout and the don't-over-suggest guards (issue 19). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "../../src/db/rows.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { pushOfferToMember, type PromoCapPort } from "../../src/offers/service.ts";
import { memberOrder, newMember, seedHistory } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

type Offer = { id: string; kind: string; sku?: string };
const offersOf = async (api: Api, m: string) => (await api("GET", `/v1/members/${m}/offers`)).body.offers as Offer[];
const report = async (api: Api) => (await api("GET", "/v1/offers/report?days=30")).body;
const noCap: PromoCapPort = { reserve: async () => ({ ok: true, id: 1 }), release: async () => {} };

describe("offer report", () => {
  it("shown → claimed → bought (by SKU or by code) → revenue and margin; a refund uncounts it", async () => {
    const { api } = await s.merchant();
    await seedHistory(api);
    // The catalog knows BM's margin (40 %); CROIS has none.
    expect((await api("PUT", "/v1/products/BM", { name: "Bánh mì thịt", listPrice: 25000, margin: 40 })).status).toBe(
      200,
    );
    const a = await newMember(api);
    await memberOrder(api, a, ["CF"]);
    const offers = await offersOf(api, a);
    const bm = offers.find((o) => o.sku === "BM")!;
    expect(bm).toBeDefined();
    const empty = await report(api);
    expect(empty.total).toMatchObject({ offers: offers.length, members: 1, claimed: 0, bought: 0, revenue: 0 });
    // Claimed, then bought without presenting the code: matched by SKU and member.
    const claim = (await api("POST", `/v1/members/${a}/offers/${bm.id}/claims`)).body;
    expect(claim.code).toBeTruthy();
    const bought = await memberOrder(api, a, ["BM", "WATER"]);
    let r = await report(api);
    const cross = r.kinds.find((k: { kind: string }) => k.kind === "cross-sell");
    expect(cross).toMatchObject({ claimed: 1, bought: 1, revenue: 25000, margin: 10000, revenueWithMargin: 25000 });
    expect(r.total).toMatchObject({ claimed: 1, bought: 1, revenue: 25000, margin: 10000 });
    expect(r.holdout).toBeNull();
    expect(r.offersPerMemberPerWeek).toBeGreaterThan(0);
    // A full refund of that order: nothing was sold.
    expect(
      (await api("POST", `/v1/orders/${bought.externalId}/refunds`, { externalId: `${bought.externalId}-R` })).status,
    ).toBe(201);
    r = await report(api);
    expect(r.total).toMatchObject({ claimed: 1, bought: 0, revenue: 0, margin: 0 });

    // Another member buys with the claim code: counted once, with the add-on bonus credited.
    const b = await newMember(api);
    await memberOrder(api, b, ["CF"]);
    const bOffer = (await offersOf(api, b)).find((o) => o.sku === "BM")!;
    const bClaim = (await api("POST", `/v1/members/${b}/offers/${bOffer.id}/claims`)).body;
    await memberOrder(api, b, ["BM"], { offerCodes: [bClaim.code] });
    await memberOrder(api, b, ["BM"]); // a second purchase is not a second conversion
    r = await report(api);
    expect(r.total).toMatchObject({ claimed: 2, bought: 1, revenue: 25000, margin: 10000 });
    expect(r.total.bonusPoints).toBeGreaterThan(0);
  });

  it("offers bought before they were claimed, or never claimed, are not counted as sold", async () => {
    const { api } = await s.merchant();
    await seedHistory(api);
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const bm = (await offersOf(api, m)).find((o) => o.sku === "BM")!;
    await memberOrder(api, m, ["BM"]);
    s.clock.advance(60_000);
    expect((await api("POST", `/v1/members/${m}/offers/${bm.id}/claims`)).status).toBe(201);
    expect((await report(api)).total).toMatchObject({ claimed: 1, bought: 0 });
  });

  it("bad input → 400 with the field", async () => {
    const { api } = await s.merchant();
    const bad = await api("GET", "/v1/offers/report?days=0");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("days");
  });
});

describe("holdout", () => {
  it("members in the holdout see no offers (asked or pushed); the report compares the two groups", async () => {
    const { api, merchantId } = await s.merchant();
    await seedHistory(api);
    expect((await api("PUT", "/v1/offers/settings", { holdoutPercent: 50 })).status).toBe(200);
    const members: string[] = [];
    for (let i = 0; i < 16; i++) {
      const m = await newMember(api);
      await memberOrder(api, m, ["CF"]);
      members.push(m);
    }
    const db = s.database.db;
    const bucket = async (m: string) =>
      (
        await queryRows(db, sql`select cl_offer_bucket(${merchantId}, ${m}) as b`, z.object({ b: z.coerce.number() }))
      )[0]!.b;
    const held: string[] = [];
    for (const m of members) {
      const offers = await offersOf(api, m);
      const inHoldout = (await bucket(m)) < 5000;
      expect(offers.length === 0, m).toBe(inHoldout);
      if (inHoldout) {
        held.push(m);
        expect((await pushOfferToMember(db, merchantId, m, s.clock.now(), noCap)).status).toBe("none");
      }
    }
    const r = (await report(api)).holdout;
    expect(r.percent).toBe(50);
    expect(r.holdout.members).toBe(held.length);
    expect(r.offered.members).toBe(members.length - held.length);
    // Every member spent one CF (29,000) in the period.
    if (held.length > 0) expect(r.holdout.revenuePerMember).toBe(29000);
    if (held.length < members.length) expect(r.offered.revenuePerMember).toBe(29000);
    expect(r.upliftPerMember).toBe(r.offered.revenuePerMember - r.holdout.revenuePerMember);
  });
});

describe("don't over-suggest", () => {
  it("a product offered twice and ignored rests; a claim pauses pushes for claimCooldownHours", async () => {
    const { api, merchantId } = await s.merchant();
    await seedHistory(api);
    await api("PUT", "/v1/offers/settings", {
      validHours: 1,
      cooldownDays: 0,
      ignoredLimit: { times: 2, days: 30 },
      kinds: { "post-purchase": false, nudge: false },
    });
    const m = await newMember(api);
    const skus = async () => (await offersOf(api, m)).map((o) => o.sku);
    await memberOrder(api, m, ["CF"]);
    expect(await skus()).toContain("BM");
    s.clock.advance(2 * 3_600_000);
    await memberOrder(api, m, ["CF"]);
    expect(await skus()).toContain("BM");
    s.clock.advance(2 * 3_600_000);
    await memberOrder(api, m, ["CF"]);
    // Offered twice, expired unclaimed and not bought: not again.
    expect(await skus()).not.toContain("BM");

    // Claim cooldown: after a claim, the next push waits.
    const db = s.database.db;
    const n = await newMember(api);
    await memberOrder(api, n, ["CF"]);
    const list = await offersOf(api, n);
    expect(list.length).toBeGreaterThan(1);
    await api("POST", `/v1/members/${n}/offers/${list[0]!.id}/claims`);
    expect((await pushOfferToMember(db, merchantId, n, s.clock.now(), noCap)).status).toBe("none");
    s.clock.advance(25 * 3_600_000);
    await memberOrder(api, n, ["CF"]);
    expect((await pushOfferToMember(db, merchantId, n, s.clock.now(), noCap)).status).toBe("ready");
  });
});
