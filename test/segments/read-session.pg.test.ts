/**
 * Segment previews and analytics read in one read-only transaction without JIT (src/db/session.ts): at 1 M members
 * the composite rule's estimated cost passes Postgres's JIT thresholds and compiling took ~1 s of a 1.1 s count
 * (docs/benchmarks.md, issue 18). Postgres only: PGlite is built without JIT, so the setting changes nothing there.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readSession } from "../../src/db/session.ts";
import { queryRows } from "../../src/db/rows.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { previewSegment } from "../../src/segments/service.ts";
import { z } from "zod";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

let database: TestDatabase;
let merchantId: string;
const statements: string[] = [];

beforeAll(async () => {
  database = await openTestDatabase({ onStatement: (q) => statements.push(q) });
  merchantId = (await createMerchant(database.db, { name: "Session shop" })).merchantId;
});
afterAll(async () => {
  await database?.close();
});

const jit = async (db = database.db) =>
  (await queryRows(db, sql`select current_setting('jit') as v`, z.object({ v: z.string() })))[0]!.v;

it("runs without JIT, read-only, and leaves the pooled connection as it was", async () => {
  expect(await jit()).toBe("on"); // the server default: what the session has to change
  const inside = await readSession(database.db, async (tx) => [
    await jit(tx),
    (await queryRows(tx, sql`select current_setting('transaction_read_only') as v`, z.object({ v: z.string() })))[0]!.v,
  ]);
  expect(inside).toEqual(["off", "on"]);
  await expect(
    readSession(database.db, (tx) => tx.execute(sql`update merchants set name = 'x' where id = ${merchantId}`)),
  ).rejects.toThrow();
  expect(await jit()).toBe("on");
});

it("previews a segment inside that session", async () => {
  statements.length = 0;
  const rule = {
    all: [
      { field: "daysSinceLastOrder" as const, op: "between" as const, value: [14, 59] as [number, number] },
      { field: "optedIn" as const, op: "eq" as const, value: true },
    ],
  };
  expect((await previewSegment(database.db, merchantId, rule, new Date())).count).toBe(0);
  const off = statements.findIndex((q) => /set local jit = off/i.test(q));
  const counted = statements.findIndex((q) => /from members m|member_stats/i.test(q));
  expect(off).toBeGreaterThanOrEqual(0);
  expect(counted).toBeGreaterThan(off);
});
