/** The stored co-purchase model: same rules as the pure miner on the same baskets; refunds, guests, versions. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { eq, asc, sql } from "drizzle-orm";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { waitFor } from "../helpers/wait.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createMember } from "../../src/members/service.ts";
import { createOrder, createRefund } from "../../src/orders/service.ts";
import {
  buildModel,
  currentModelRow,
  defaultThresholds,
  rebuildStaleModels,
  startModelRebuildSchedule,
} from "../../src/recs/build.ts";
import { mineBaskets, type Rule } from "../../src/recs/mine.ts";
import { recsItems, recsModels, recsRules } from "../../src/recs/tables.ts";
import { silentLogger } from "../../src/lib/log.ts";
import type { Db } from "../../src/db/types.ts";

let d: TestDatabase;
let db: Db;
beforeAll(async () => {
  d = await openTestDatabase();
  db = d.db;
});
afterAll(async () => {
  await d.close();
});

const NOW = new Date("2026-11-20T03:00:00Z");
let seq = 0;

async function order(
  merchantId: string,
  skus: string[],
  opts: { memberId?: string; at?: Date; externalId?: string } = {},
) {
  const externalId = opts.externalId ?? `O-${++seq}`;
  await createOrder(
    db,
    merchantId,
    {
      externalId,
      memberId: opts.memberId,
      channel: "pos",
      placedAt: (opts.at ?? NOW).toISOString(),
      // A repeated SKU (two lines) must count once.
      items: skus.map((sku) => ({ sku, quantity: 1, unitPrice: 10000, discount: 0 })),
    },
    NOW,
  );
  return externalId;
}

async function storedRules(modelId: string): Promise<Rule[]> {
  const rows = await db.select().from(recsRules).where(eq(recsRules.modelId, modelId)).orderBy(asc(recsRules.id));
  return rows.map((r) => ({
    lhs: r.lhs,
    rhs: r.rhs,
    count: r.count,
    support: r.support,
    confidence: r.confidence,
    lift: r.lift,
  }));
}

const key = (r: Rule) => `${r.lhs.join("|")}=>${r.rhs}`;

function expectSameRules(stored: Rule[], expected: Rule[]) {
  expect(stored.map(key).sort()).toEqual(expected.map(key).sort());
  const byKey = new Map(expected.map((r) => [key(r), r]));
  for (const r of stored) {
    const e = byKey.get(key(r))!;
    expect(r.count).toBe(e.count);
    expect(r.support).toBeCloseTo(e.support, 12);
    expect(r.confidence).toBeCloseTo(e.confidence, 12);
    expect(r.lift).toBeCloseTo(e.lift, 12);
  }
}

describe("buildModel", () => {
  it("stores exactly mineBaskets' rules on the orders' baskets: guests included, fully refunded excluded, duplicates once", async () => {
    const { merchantId } = await createMerchant(db, { name: "model shop" });
    const m = await createMember(db, merchantId, { phone: "0912000001" }, NOW);
    const baskets: string[][] = [
      ["A", "B"],
      ["A", "B", "C"],
      ["A", "C"],
      ["B", "C", "D"],
      ["A", "B", "D"],
      ["D"],
      ["A", "A", "B"],
      ["C", "D"],
    ];
    for (const [i, b] of baskets.entries()) await order(merchantId, b, i % 2 === 0 ? { memberId: m.id } : {});
    // Fully refunded (all lines) → excluded; partially refunded → kept with all its SKUs.
    const full = await order(merchantId, ["A", "D", "E"], { memberId: m.id });
    await createRefund(db, merchantId, full, { externalId: `R-${full}` }, NOW);
    const partial = await order(merchantId, ["B", "E"]);
    await createRefund(
      db,
      merchantId,
      partial,
      { externalId: `R-${partial}`, items: [{ sku: "E", quantity: 1 }] },
      NOW,
    );
    const twoStep = await order(merchantId, ["C", "E"]);
    await createRefund(
      db,
      merchantId,
      twoStep,
      { externalId: `R1-${twoStep}`, items: [{ sku: "C", quantity: 1 }] },
      NOW,
    );
    await createRefund(
      db,
      merchantId,
      twoStep,
      { externalId: `R2-${twoStep}`, items: [{ sku: "E", quantity: 1 }] },
      NOW,
    );

    const opts = { minSupport: 0.1, minConfidence: 0.2, maxLen: 3 };
    const r = await buildModel(db, merchantId, NOW, opts);
    expect(r.status).toBe("built");
    const expectedBaskets = [...baskets, ["B", "E"]];
    const expected = mineBaskets(expectedBaskets, opts);
    expect(r.model.nTransactions).toBe(expectedBaskets.length);
    expect(r.model.version).toBe(1);
    expect(r.model.params).toMatchObject({
      ...opts,
      minCount: expected.stats.minCount,
      rules: expected.rules.length,
      auto: false,
    });
    expect(expected.rules.length).toBeGreaterThan(5);
    expectSameRules(await storedRules(r.model.id), expected.rules);

    const items = await db.select().from(recsItems).where(eq(recsItems.modelId, r.model.id));
    expect(Object.fromEntries(items.map((i) => [i.sku, i.count]))).toEqual({ A: 5, B: 6, C: 4, D: 4, E: 1 });
  });

  it("agrees with mineBaskets on random order histories (property)", async () => {
    const skus = ["CF", "TEA", "BM", "CAKE", "WATER", "SNACK"];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.constantFrom(...skus), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }),
        fc.constantFrom(0.05, 0.1, 0.2),
        fc.constantFrom(2, 3),
        async (baskets, minSupport, maxLen) => {
          const { merchantId } = await createMerchant(db, { name: "prop shop" });
          for (const b of baskets) await order(merchantId, b);
          const r = await buildModel(db, merchantId, NOW, { minSupport, minConfidence: 0.1, maxLen, pageSize: 7 });
          expectSameRules(
            await storedRules(r.model.id),
            mineBaskets(baskets, { minSupport, minConfidence: 0.1, maxLen }).rules,
          );
          expect(r.model.nTransactions).toBe(baskets.length);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("pages through orders with equal and microsecond-precise placed_at exactly once each", async () => {
    const { merchantId } = await createMerchant(db, { name: "paging shop" });
    for (let i = 0; i < 11; i++) await order(merchantId, i % 2 ? ["A", "B"] : ["A"]);
    // Microseconds a JS Date can't hold; some orders share an instant.
    await db.execute(
      sql`update orders set placed_at = '2026-11-20T03:00:00.000001Z'::timestamptz + (ascii(right(id, 1)) % 4) * interval '1 microsecond' where merchant_id = ${merchantId}`,
    );
    const r = await buildModel(db, merchantId, NOW, { pageSize: 3, minSupport: 0.1 });
    expect(r.model.nTransactions).toBe(11);
    const items = await db.select().from(recsItems).where(eq(recsItems.modelId, r.model.id));
    expect(Object.fromEntries(items.map((i) => [i.sku, i.count]))).toEqual({ A: 11, B: 5 });
  });

  it("default thresholds: the `recs mine` defaults (S 0.001, C 0.05) and maxLen 3", () => {
    expect(defaultThresholds()).toEqual({ minSupport: 0.001, minConfidence: 0.05, maxLen: 3 });
  });

  it("versions: unchanged without new orders, a new version after new orders or refunds, old versions pruned", async () => {
    const { merchantId } = await createMerchant(db, { name: "versions shop" });
    await order(merchantId, ["A", "B"]);
    await order(merchantId, ["A", "B"]);
    const v1 = await buildModel(db, merchantId, NOW);
    expect(v1).toMatchObject({
      status: "built",
      model: { version: 1, nTransactions: 2, params: { auto: true, minSupport: 0.001, maxLen: 3 } },
    });
    expect((await storedRules(v1.model.id)).map(key).sort()).toEqual(["A=>B", "B=>A"]);

    const again = await buildModel(db, merchantId, NOW);
    expect(again.status).toBe("unchanged");
    expect(again.model.id).toBe(v1.model.id);

    await order(merchantId, ["A", "C"]);
    await order(merchantId, ["A", "C"]);
    const v2 = await buildModel(db, merchantId, NOW, { keepVersions: 2 });
    expect(v2).toMatchObject({ status: "built", model: { version: 2, nTransactions: 4 } });
    expect((await storedRules(v2.model.id)).map(key).sort()).toEqual(["A=>B", "A=>C", "B=>A", "C=>A"]);

    // A refund changes the data too.
    await createRefund(db, merchantId, "O-" + seq, { externalId: "R-last" }, NOW);
    const v3 = await buildModel(db, merchantId, NOW, { keepVersions: 2 });
    expect(v3).toMatchObject({ status: "built", model: { version: 3, nTransactions: 3 } });
    const forced = await buildModel(db, merchantId, NOW, { keepVersions: 2, force: true });
    expect(forced.model.version).toBe(4);
    expect(forced.pruned).toBe(1);
    const versions = await db
      .select({ v: recsModels.version })
      .from(recsModels)
      .where(eq(recsModels.merchantId, merchantId));
    expect(versions.map((v) => v.v).sort()).toEqual([3, 4]);
    // Rules of pruned versions are gone.
    expect(await storedRules(v1.model.id)).toEqual([]);
  });

  it("explicit thresholds stick for later builds; invalid ones are rejected", async () => {
    const { merchantId } = await createMerchant(db, { name: "sticky shop" });
    await order(merchantId, ["A", "B"]);
    const a = await buildModel(db, merchantId, NOW, { minSupport: 0.5, maxLen: 2 });
    expect(a.model.params).toMatchObject({ minSupport: 0.5, maxLen: 2, minConfidence: 0.05, auto: false });
    await order(merchantId, ["A", "C"]);
    const b = await buildModel(db, merchantId, NOW);
    expect(b.model.params).toMatchObject({ minSupport: 0.5, maxLen: 2, auto: false });
    await expect(buildModel(db, merchantId, NOW, { minSupport: 0 })).rejects.toThrow(RangeError);
    await expect(buildModel(db, merchantId, NOW, { maxLen: 1 })).rejects.toThrow(RangeError);
  });

  it("a merchant without orders gets an empty model; the nightly job builds missing and stale models only", async () => {
    const { merchantId: empty } = await createMerchant(db, { name: "empty shop" });
    const r = await buildModel(db, empty, NOW);
    expect(r).toMatchObject({ status: "built", model: { nTransactions: 0, params: { rules: 0 } } });

    const { merchantId } = await createMerchant(db, { name: "nightly shop" });
    await order(merchantId, ["A", "B"]);
    const first = await rebuildStaleModels(db, NOW, silentLogger, { merchantIds: [merchantId, empty] });
    expect(first).toEqual({ built: 1, unchanged: 0, skipped: 1, failed: 0 });
    const later = new Date(NOW.getTime() + 21 * 3_600_000);
    expect(await rebuildStaleModels(db, later, silentLogger, { merchantIds: [merchantId] })).toEqual({
      built: 0,
      unchanged: 1,
      skipped: 0,
      failed: 0,
    });
    await order(merchantId, ["A", "B", "C"]);
    expect(await rebuildStaleModels(db, later, silentLogger, { merchantIds: [merchantId] })).toEqual({
      built: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
  });

  it("the Node schedule runs a pass shortly after start and stops cleanly", async () => {
    const { merchantId } = await createMerchant(db, { name: "scheduled shop" });
    await order(merchantId, ["A", "B"]);
    const schedule = startModelRebuildSchedule({
      db,
      clock: { now: () => NOW },
      logger: silentLogger,
      firstDelayMs: 10,
      everyMs: 60_000,
    });
    await waitFor("the first scheduled model build", () => currentModelRow(db, merchantId), { timeoutMs: 5_000 });
    await schedule.stop();
    expect((await currentModelRow(db, merchantId))?.nTransactions).toBe(1);
  });
});
