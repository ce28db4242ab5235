/** The merchant's catalog (issue 13 defect 2): list prices are the merchant's fact; orders never change them. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, startTestServer, type TestServer } from "../helpers/server.ts";
import { memberOrder, newMember, nextId, seedHistory } from "../offers/fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

type Offer = { kind: string; sku?: string; price: number | null; memberPrice: number | null; text: string };
const offers = async (api: Api, m: string) => (await api("GET", `/v1/members/${m}/offers`)).body.offers as Offer[];
const guestOrder = (api: Api, sku: string, unitPrice: number) =>
  api("POST", "/v1/orders", { externalId: nextId("G"), items: [{ sku, quantity: 1, unitPrice }] });

describe("list prices", () => {
  it("an order at unit price 0 or at the member price never changes the price offers quote", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/offers/settings", { kinds: { "post-purchase": false, nudge: false } });
    await seedHistory(api);
    const first = await newMember(api);
    await memberOrder(api, first, ["CF"]);
    const bm = (await offers(api, first)).find((o) => o.sku === "BM");
    expect(bm).toMatchObject({ kind: "cross-sell", price: 25000, memberPrice: 22500 });

    // The defect: a guest line at 0, then one at the member price, used to become the catalog price.
    expect((await guestOrder(api, "BM", 0)).status).toBe(201);
    expect((await guestOrder(api, "BM", 22500)).status).toBe(201);
    const p = await api("GET", "/v1/products/BM");
    expect(p.body).toMatchObject({ sku: "BM", listPrice: 25000, lastSeenPrice: 22500, source: "order" });

    const second = await newMember(api);
    await memberOrder(api, second, ["CF"]);
    const again = (await offers(api, second)).find((o) => o.sku === "BM");
    expect(again).toMatchObject({ price: 25000, memberPrice: 22500 });
    expect(again?.text).not.toContain(" 0 ₫");
  });

  it("an SKU first seen at unit price 0 has no list price until one is known", async () => {
    const { api } = await s.merchant();
    await guestOrder(api, "FREE", 0);
    expect((await api("GET", "/v1/products/FREE")).body).toMatchObject({ listPrice: null, lastSeenPrice: 0 });
    await guestOrder(api, "FREE", 12000);
    await guestOrder(api, "FREE", 9000);
    expect((await api("GET", "/v1/products/FREE")).body).toMatchObject({ listPrice: 12000, lastSeenPrice: 9000 });
  });

  it("the merchant's list price, name and category win over what orders say; offers quote it", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/offers/settings", { kinds: { "post-purchase": false, nudge: false } });
    await seedHistory(api);
    const put = await api("PUT", "/v1/products/BM", {
      name: "Bánh mì đặc biệt",
      category: "food",
      listPrice: 30000,
      margin: 40,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      sku: "BM",
      name: "Bánh mì đặc biệt",
      listPrice: 30000,
      margin: 40,
      active: true,
      source: "merchant",
    });
    await api("POST", "/v1/orders", {
      externalId: nextId("G"),
      items: [{ sku: "BM", name: "bm", category: "x", quantity: 1, unitPrice: 1000 }],
    });
    expect((await api("GET", "/v1/products/BM")).body).toMatchObject({
      name: "Bánh mì đặc biệt",
      category: "food",
      listPrice: 30000,
      lastSeenPrice: 1000,
    });
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    expect((await offers(api, m)).find((o) => o.sku === "BM")).toMatchObject({ price: 30000, memberPrice: 27000 });

    // Retired: never offered.
    await api("PUT", "/v1/products/BM", { name: "Bánh mì đặc biệt", listPrice: 30000, active: false });
    const m2 = await newMember(api);
    await memberOrder(api, m2, ["CF"]);
    expect((await offers(api, m2)).some((o) => o.sku === "BM")).toBe(false);
    // Variants keep reading the catalog.
    await api("PUT", "/v1/products/CF/variants", { variants: ["BM"] });
    expect((await api("GET", "/v1/products/CF/variants")).body.variants[0]).toMatchObject({ sku: "BM", price: 30000 });
  });

  it("PUT validates with field paths and writes nothing; GET 404; list pages by sku with filters", async () => {
    const { api } = await s.merchant();
    const bad = await api("PUT", "/v1/products/X1", { name: "", listPrice: -1, margin: 120 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["listPrice", "margin", "name"]);
    expect((await api("GET", "/v1/products/X1")).status).toBe(404);
    expect((await api("GET", "/v1/products/X1")).body.type).toContain("product-not-found");
    for (const [sku, category] of [
      ["A", "tea"],
      ["B", "coffee"],
      ["C", "tea"],
    ] as const)
      expect((await api("PUT", `/v1/products/${sku}`, { name: sku, category, listPrice: 1000 })).status).toBe(200);
    const page = await api("GET", "/v1/products?limit=2");
    expect(page.body.items.map((p: { sku: string }) => p.sku)).toEqual(["A", "B"]);
    expect(page.body.nextCursor).toBe("B");
    const rest = await api("GET", "/v1/products?limit=2&after=B");
    expect(rest.body).toMatchObject({ items: [{ sku: "C" }], nextCursor: null });
    const tea = await api("GET", "/v1/products?category=tea");
    expect(tea.body.items.map((p: { sku: string }) => p.sku)).toEqual(["A", "C"]);
    expect((await api("GET", "/v1/products?limit=0")).status).toBe(400);
  });
});

describe("CSV import", () => {
  const csv = (api: Api, text: string) => api("POST", "/v1/products/import", text, { "content-type": "text/csv" });

  it("imports every row; a bad file is refused with line numbers and writes nothing", async () => {
    const { api } = await s.merchant();
    const bad = await csv(
      api,
      "SKU,Name,Category,List_Price,Margin,Active\nT1,Trà,tea,39000,30,true\n\nT2,,tea,abc,,maybe\nT1,Trà 2,tea,1,,\n",
    );
    expect(bad.status).toBe(400);
    const paths = bad.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["lines.4.active", "lines.4.list_price", "lines.4.name", "lines.5.sku"]);
    expect(bad.body.errors.find((e: { path: string }) => e.path === "lines.5.sku").message).toContain("line 2");
    expect((await api("GET", "/v1/products")).body.items).toEqual([]);

    const missing = await csv(api, "sku,name\nT1,Trà\n");
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe("lines.1");

    const ok = await csv(api, 'sku,name,list_price,category,margin\nT1,"Trà, đào",39000,tea,30\nT2,Trà sữa,35000,,\n');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ imported: 2 });
    expect((await api("GET", "/v1/products/T1")).body).toMatchObject({
      name: "Trà, đào",
      listPrice: 39000,
      margin: 30,
      category: "tea",
      source: "merchant",
    });
    expect((await api("GET", "/v1/products/T2")).body).toMatchObject({ category: null, margin: null, active: true });

    expect((await api("POST", "/v1/products/import", { sku: "x" })).status).toBe(415);
  });
});
