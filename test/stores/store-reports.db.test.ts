/**
 * `?storeId=` on the offers report: an offer counts as bought only by an order at that store, and the holdout
 * comparison counts that store's orders; offers shown and claimed stay merchant-wide. An unknown or another
 * merchant's store → 400 at storeId. (Campaign KPIs by store: test/campaigns/campaigns.db.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { memberOrder, newMember, seedHistory } from "../offers/fixtures.ts";
import { consoleHttp } from "../console/http.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

type Offer = { id: string; sku?: string };
const bmOffer = async (api: Api, m: string) =>
  ((await api("GET", `/v1/members/${m}/offers`)).body.offers as Offer[]).find((o) => o.sku === "BM")!;

describe("offers report by store", () => {
  it("bought and holdout revenue count the store's orders; shown and claimed stay merchant-wide", async () => {
    const { api } = await s.merchant();
    await seedHistory(api);
    const q1 = (await api("POST", "/v1/stores", { code: "Q1", name: "Quận 1" })).body.id as string;
    const q3 = (await api("POST", "/v1/stores", { code: "Q3", name: "Quận 3" })).body.id as string;
    // Two members claim the BM offer; one buys it at Q1, the other at Q3.
    const buyers: [string, string][] = [];
    for (const store of [q1, q3]) {
      const m = await newMember(api);
      await memberOrder(api, m, ["CF"]);
      const offer = await bmOffer(api, m);
      expect(offer).toBeDefined();
      expect((await api("POST", `/v1/members/${m}/offers/${offer.id}/claims`)).status).toBe(201);
      await memberOrder(api, m, ["BM"], { storeId: store });
      buyers.push([m, store]);
    }
    // The holdout only after the offers were made (a member in it would have been shown none).
    expect((await api("PUT", "/v1/offers/settings", { holdoutPercent: 10 })).status).toBe(200);
    const all = (await api("GET", "/v1/offers/report?days=30")).body;
    const atQ1 = await api("GET", `/v1/offers/report?days=30&storeId=${q1}`);
    expect(atQ1.status).toBe(200);
    expect(all.storeId).toBeNull();
    expect(atQ1.body.storeId).toBe(q1);
    expect(all.total).toMatchObject({ claimed: 2, bought: 2 });
    expect(atQ1.body.total).toMatchObject({
      offers: all.total.offers,
      members: all.total.members,
      claimed: 2,
      bought: 1,
      revenue: all.total.revenue / 2,
    });
    // Holdout revenue: only Q1's orders (the BM order there), members unchanged.
    const revenue = (h: { offered: { revenue: number }; holdout: { revenue: number } }) =>
      h.offered.revenue + h.holdout.revenue;
    expect(atQ1.body.holdout.offered.members + atQ1.body.holdout.holdout.members).toBe(
      all.holdout.offered.members + all.holdout.holdout.members,
    );
    expect(revenue(atQ1.body.holdout)).toBe(all.total.revenue / 2);
    expect(revenue(all.holdout)).toBeGreaterThan(revenue(atQ1.body.holdout));
  });

  it("an unknown or another merchant's store → 400 at storeId", async () => {
    const { api } = await s.merchant();
    const other = await s.merchant();
    const theirs = (await other.api("POST", "/v1/stores", { code: "X", name: "X" })).body.id as string;
    for (const id of ["sto_nope", theirs]) {
      const r = await api("GET", `/v1/offers/report?storeId=${id}`);
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ path: "storeId", message: "unknown store" }]);
    }
  });
});

describe("console: what offers sell, by store", () => {
  it("the report's form has a store select; ?store= counts only that store's purchases", async () => {
    const { api, apiKey } = await s.merchant();
    await seedHistory(api);
    const q1 = (await api("POST", "/v1/stores", { code: "Q1", name: "Quận 1" })).body.id as string;
    const q3 = (await api("POST", "/v1/stores", { code: "Q3", name: "Quận 3" })).body.id as string;
    for (const store of [q1, q3]) {
      const m = await newMember(api);
      await memberOrder(api, m, ["CF"]);
      const offer = await bmOffer(api, m);
      expect((await api("POST", `/v1/members/${m}/offers/${offer.id}/claims`)).status).toBe(201);
      await memberOrder(api, m, ["BM"], { storeId: store });
    }
    const http = consoleHttp(s);
    const cookie = await http.signIn(apiKey);
    const all = await (await http.get("/console/recommendations?days=30", cookie)).text();
    const atQ1 = await (await http.get(`/console/recommendations?days=30&store=${q1}`, cookie)).text();
    expect(all).toContain('<select name="store">');
    expect(atQ1).toContain(`<option value="${q1}" selected="">`);
    // The funnel's total row (kind, shown, members, claimed, claim rate, bought, …): bought 2 in all, 1 at Q1.
    const bought = (html: string) => {
      const report = /id="offer-report"[\s\S]*?<\/table>/.exec(html)![0];
      const rows = report.match(/<tr[\s\S]*?<\/tr>/g)!;
      const cells = [...rows.at(-1)!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) =>
        c[1]!.replace(/<[^>]+>/g, ""),
      );
      return [cells[3], cells[5]];
    };
    expect(bought(all)).toEqual(["2", "2"]);
    expect(bought(atQ1)).toEqual(["2", "1"]);
  });
});
