/** With DATABASE_URL the server migrates the Postgres database and never seeds a demo shop. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { startNodeServer } from "../helpers/node-server.ts";
import { merchants } from "../../src/db/schema.ts";

let d: TestDatabase;
beforeAll(async () => {
  d = await openTestDatabase();
});
afterAll(async () => {
  await d.close();
});

describe("server start on Postgres", () => {
  it("serves health, applies migrations, seeds nothing", async () => {
    const s = await startNodeServer({ DATABASE_URL: d.url! });
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(s.stderr()).not.toContain("API key:");
    expect(await d.db.select().from(merchants)).toEqual([]);
    expect(await s.stop()).toBe(0);
  }, 90_000);
});
