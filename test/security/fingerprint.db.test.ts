/** The fuzz suite's write detector (fuzz-gen.ts fingerprinter): any committed write changes it, nothing else does. */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant } from "../../src/merchants/service.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { fingerprinter } from "./fuzz-gen.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe("fingerprinter", () => {
  it("changes with a committed write, not with reads or a rolled-back write", async () => {
    const fp = await fingerprinter(database.db);
    const first = await fp();
    expect(await fp()).toBe(first);
    const { merchantId } = await createMerchant(database.db, { name: "Fingerprint shop" });
    const written = await fp();
    expect(written).not.toBe(first);
    await database.db
      .transaction(async (tx) => {
        await tx.execute(sql`update merchants set name = 'changed' where id = ${merchantId}`);
        throw new Error("roll back");
      })
      .catch(() => undefined);
    expect(await fp()).toBe(written);
    await database.db.execute(sql`update merchants set name = 'changed' where id = ${merchantId}`);
    expect(await fp()).not.toBe(written);
  });
});
