/** GET /v1/products/{sku}/recommendations and the model endpoints, over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { mineBaskets } from "../../src/recs/mine.ts";
import { blendProbability } from "../../src/recs/recommender.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const NAMES: Record<string, string> = {
  CF: "Cà phê sữa đá",
  BM: "Bánh mì thịt",
  TEA: "Trà đào",
  CAKE: "Tiramisu",
  WATER: "Nước suối",
};

/** Baskets with clear complements (CF+BM, TEA+CAKE), a popular item (WATER, lift < 1 with most) and an unnamed SKU. */
const BASKETS: string[][] = [
  ...Array.from({ length: 6 }, () => ["CF", "BM"]),
  ...Array.from({ length: 4 }, () => ["TEA", "CAKE"]),
  ["CF", "WATER"],
  ["CF", "WATER"],
  ["CF", "TEA"],
  ["WATER"],
  ["WATER", "BM"],
  ["WATER", "TEA"],
  ["CF", "BM", "NONAME"],
  ["CF", "NONAME"],
];

let n = 0;
async function seed(api: Api, baskets: string[][]) {
  for (const b of baskets) {
    const r = await api("POST", "/v1/orders", {
      externalId: `R-${++n}`,
      items: b.map((sku) => ({ sku, quantity: 1, unitPrice: 20000, ...(NAMES[sku] ? { name: NAMES[sku] } : {}) })),
    });
    expect(r.status).toBe(201);
  }
}

describe("recommendations", () => {
  it("rules {sku} → item of the current model with lift > 1, best first, names from the catalog", async () => {
    const { api } = await s.merchant();
    await seed(api, BASKETS);
    const built = await api("POST", "/v1/recs/model/builds");
    expect(built.status).toBe(201);
    const params = built.body.model.params;

    const r = await api("GET", "/v1/products/CF/recommendations?limit=20");
    expect(r.status).toBe(200);
    const expected = mineBaskets(BASKETS, params)
      .rules.filter((x) => x.lhs.length === 1 && x.lhs[0] === "CF" && x.lift > 1)
      .sort((a, b) => blendProbability(b) - blendProbability(a) || b.support - a.support || (a.rhs < b.rhs ? -1 : 1));
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(r.body.items.map((i: { sku: string }) => i.sku)).toEqual(expected.map((x) => x.rhs));
    for (const [i, item] of r.body.items.entries()) {
      const e = expected[i]!;
      expect(Object.keys(item).sort()).toEqual(["confidence", "lift", "name", "sku", "support"]);
      expect(item.lift).toBeGreaterThan(1);
      expect(item.confidence).toBeCloseTo(e.confidence, 12);
      expect(item.support).toBeCloseTo(e.support, 12);
      expect(item.lift).toBeCloseTo(e.lift, 12);
    }
    expect(r.body.items[0]).toMatchObject({ sku: "BM", name: "Bánh mì thịt" });
    expect(r.body.items.find((i: { sku: string }) => i.sku === "NONAME")).toMatchObject({ name: null });
    // WATER goes with CF less than usual (lift < 1): never recommended.
    expect(r.body.items.map((i: { sku: string }) => i.sku)).not.toContain("WATER");
    expect(
      mineBaskets(BASKETS, params).rules.some((x) => x.lhs.join() === "CF" && x.rhs === "WATER" && x.lift < 1),
    ).toBe(true);

    const one = await api("GET", "/v1/products/CF/recommendations?limit=1");
    expect(one.body.items).toHaveLength(1);
    const dflt = await api("GET", "/v1/products/CF/recommendations");
    expect(dflt.body.items.length).toBeLessThanOrEqual(5);

    const unknown = await api("GET", "/v1/products/NOPE/recommendations");
    expect(unknown).toMatchObject({ status: 200, body: { items: [] } });
    const encoded = await api("GET", `/v1/products/${encodeURIComponent("Cà phê/đá")}/recommendations`);
    expect(encoded).toMatchObject({ status: 200, body: { items: [] } });
  });

  it("limit must be a positive integer (400 problem otherwise); above 20 it is capped at 20", async () => {
    const { api } = await s.merchant();
    for (const bad of ["0", "-1", "abc", "2.5", ""]) {
      const r = await api("GET", `/v1/products/CF/recommendations?limit=${bad}`);
      expect(r.status, `limit=${bad}`).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body.type).toMatch(/\/validation$/);
      expect(r.body.errors[0].path).toBe("limit");
    }
    for (const ok of ["1", "20", "21", "500"])
      expect((await api("GET", `/v1/products/CF/recommendations?limit=${ok}`)).status).toBe(200);
  });

  it("orders placed after the build count from the next build; the first request builds a missing model", async () => {
    const { api } = await s.merchant();
    await seed(api, [["A", "B"], ["A", "B"], ["C"]]);
    // No model yet: built on first use.
    const first = await api("GET", "/v1/products/A/recommendations");
    expect(first.body.items.map((i: { sku: string }) => i.sku)).toEqual(["B"]);
    const model = await api("GET", "/v1/recs/model");
    expect(model.body).toMatchObject({ version: 1, nTransactions: 3 });
    await seed(api, [["A", "D"], ["A", "D"], ["A", "D"], ["E"]]);
    expect((await api("GET", "/v1/products/A/recommendations")).body.items.map((i: { sku: string }) => i.sku)).toEqual([
      "B",
    ]);
    const rebuilt = await api("POST", "/v1/recs/model/builds", {});
    expect(rebuilt.body).toMatchObject({ status: "built", model: { version: 2, nTransactions: 7 } });
    const again = await api("POST", "/v1/recs/model/builds");
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("unchanged");
    expect(
      (await api("GET", "/v1/products/A/recommendations")).body.items.map((i: { sku: string }) => i.sku).sort(),
    ).toEqual(["B", "D"]);
  });

  it("tenants are isolated: another merchant's model never answers", async () => {
    const a = await s.merchant("A shop");
    const b = await s.merchant("B shop");
    await seed(a.api, [["X", "Y"], ["X", "Y"], ["Z"]]);
    await a.api("POST", "/v1/recs/model/builds");
    expect((await a.api("GET", "/v1/products/X/recommendations")).body.items).toHaveLength(1);
    expect((await b.api("GET", "/v1/products/X/recommendations")).body).toEqual({ items: [] });
    expect((await b.api("GET", "/v1/recs/model")).status).toBe(200); // b's own (empty) model, built on first use
    expect((await b.api("GET", "/v1/recs/model")).body.nTransactions).toBe(0);
    // An automatic empty model is replaced once the merchant has orders.
    await seed(b.api, [["X", "Z"], ["X", "Z"], ["Y"]]);
    expect(
      (await b.api("GET", "/v1/products/X/recommendations")).body.items.map((i: { sku: string }) => i.sku),
    ).toEqual(["Z"]);
    expect((await b.api("GET", "/v1/recs/model")).body).toMatchObject({ version: 2, nTransactions: 3 });
    const noKey = await fetch(`${s.url}/v1/products/X/recommendations`);
    expect(noKey.status).toBe(401);
  });
});
