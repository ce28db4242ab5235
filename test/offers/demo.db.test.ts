/** The demo shop: after seeding, the co-purchase model exists and the demo members get offers. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { seedDemo } from "../../src/demo/seed.ts";
import { currentModelRow } from "../../src/recs/build.ts";
import { recommendationsFor } from "../../src/recs/model.ts";
import { getMemberOffers } from "../../src/offers/service.ts";

let d: TestDatabase;
beforeAll(async () => {
  d = await openTestDatabase();
});
afterAll(async () => {
  await d.close();
});

describe("demo seed", () => {
  it("builds the model; the demo pairs are recommended; every demo member gets offers", async () => {
    const now = new Date("2026-11-20T03:00:00Z");
    const demo = await seedDemo(d.db, now);
    const model = await currentModelRow(d.db, demo.merchantId);
    expect(model).toBeDefined();
    expect(model!.nTransactions).toBeGreaterThan(100);
    expect(model!.params.rules).toBeGreaterThan(0);
    const recs = await recommendationsFor(d.db, demo.merchantId, model, "CF-SUADA", 5);
    expect(recs[0]).toMatchObject({ sku: "BM-THIT", name: "Bánh mì thịt" });
    const kinds = new Set<string>();
    for (const id of demo.memberIds) {
      const offers = await getMemberOffers(d.db, demo.merchantId, id, now);
      expect(offers.length, id).toBeGreaterThan(0);
      expect(offers.length).toBeLessThanOrEqual(3);
      for (const o of offers) kinds.add(o.kind);
    }
    expect(kinds.has("cross-sell")).toBe(true);
  }, 120_000);
});
