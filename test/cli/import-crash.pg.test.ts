/** Crash safety: an import killed mid-file (SIGKILL) and re-run ends with exactly the totals of one clean import. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { runCli, startCli } from "../helpers/cli.ts";
import { waitFor } from "../helpers/wait.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createMember } from "../../src/members/service.ts";
import { orders, members } from "../../src/db/schema.ts";
import { checkInvariants } from "../ledger/invariants.ts";

let d: TestDatabase;
let dir: string;
beforeAll(async () => {
  d = await openTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "cl-crash-"));
});
afterAll(async () => {
  await d.close();
  rmSync(dir, { recursive: true, force: true });
});

async function totals(merchantId: string) {
  const [o] = await d.db
    .select({
      n: sql<string>`count(*)`,
      total: sql<string>`coalesce(sum(${orders.total}), 0)`,
      points: sql<string>`coalesce(sum(${orders.pointsEarned}), 0)`,
    })
    .from(orders)
    .where(eq(orders.merchantId, merchantId));
  const [m] = await d.db
    .select({ points: sql<string>`coalesce(sum(${members.pointsTotal}), 0)` })
    .from(members)
    .where(eq(members.merchantId, merchantId));
  return { orders: Number(o!.n), total: Number(o!.total), points: Number(o!.points), balances: Number(m!.points) };
}

describe("orders import crash safety", () => {
  it("kill -9 mid-import, re-run → the same totals as one clean import", async () => {
    const phones = Array.from({ length: 50 }, (_, i) => `09160${String(i).padStart(5, "0")}`);
    const a = await createMerchant(d.db, { name: "crashed" });
    const b = await createMerchant(d.db, { name: "clean" });
    for (const p of phones) {
      await createMember(d.db, a.merchantId, { phone: p }, new Date());
      await createMember(d.db, b.merchantId, { phone: p }, new Date());
    }
    const rows = ["order_id,item,member,placed_at,category,quantity,unit_price"];
    for (let i = 0; i < 1200; i++) {
      const member = i % 5 === 0 ? "" : phones[i % phones.length];
      for (let k = 0; k < 1 + (i % 3); k++)
        rows.push(
          `ORD-${i},SKU-${(i * 7 + k) % 40},${member},2026-11-${String(1 + (i % 20)).padStart(2, "0")}T08:00:00Z,cat${k},${1 + (k % 2)},${15000 + k * 5000}`,
        );
    }
    const file = path.join(dir, "big.csv");
    writeFileSync(file, rows.join("\n") + "\n");
    const env = { DATABASE_URL: d.url! };

    const child = startCli(["orders", "import", file, "--merchant", a.merchantId], env);
    // Wait until part of the file has been posted, then kill without warning.
    await waitFor("part of the file to be imported", async () => (await totals(a.merchantId)).orders > 150, {
      timeoutMs: 30_000,
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const partial = await totals(a.merchantId);
    expect(partial.orders).toBeGreaterThan(0);
    expect(partial.orders).toBeLessThan(1200);

    const resumed = await runCli(["orders", "import", file, "--merchant", a.merchantId, "--json"], env);
    expect(resumed.code).toBe(0);
    const rep = JSON.parse(resumed.stdout);
    expect(rep.unchanged).toBe(partial.orders);
    expect(rep.imported + rep.unchanged).toBe(1200);

    const clean = await runCli(["orders", "import", file, "--merchant", b.merchantId, "--json"], env);
    expect(clean.code).toBe(0);
    expect(await totals(a.merchantId)).toEqual(await totals(b.merchantId));
    expect((await totals(a.merchantId)).orders).toBe(1200);
    expect(await checkInvariants(d.db, a.merchantId)).toEqual([]);
  }, 240_000);
});
