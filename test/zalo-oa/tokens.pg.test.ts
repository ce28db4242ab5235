// Postgres only: ten processes are ten connection pools on one database; the token row lock serialises their
// refreshes, so a single-use refresh token is spent exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgres } from "../../src/db/postgres.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { FakeZaloOaServer } from "../fakes/zalo-oa-server.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { oaClient, storedPair } from "./tokens-helpers.ts";

let oa: FakeZaloOaServer;
let database: TestDatabase;
const clock = new FakeClock("2026-12-05T03:00:00Z");

beforeAll(async () => {
  oa = await FakeZaloOaServer.start();
  database = await openTestDatabase();
});
afterAll(async () => {
  await oa?.close();
  await database?.close();
});

describe("Zalo OA token refresh across processes (Postgres)", () => {
  it("10 pools × parallel sends on an expired token → exactly one refresh, the rotated refresh token stored", async () => {
    const pools = Array.from({ length: 10 }, () => openPostgres(database.url!, { max: 2 }));
    try {
      const procs = pools.map((p) => oaClient(p.db, oa, clock));
      await procs[0]!.client.sendText("warm", "x");
      oa.expireAccessTokens();
      oa.tokenDelayMs = 100; // every process is waiting on the lock while the first refresh is in flight
      oa.reset();
      await Promise.all(procs.flatMap((p, i) => [p.client.sendText(`u${i}`, "a"), p.client.sendText(`v${i}`, "b")]));
      expect(oa.refreshCalls).toBe(1);
      expect(oa.refusedRefreshes).toBe(0);
      expect(oa.sent).toHaveLength(20);
      const pair = await storedPair(database.db);
      expect(pair!.refreshes).toBe(1);
      expect([...oa.refreshTokens]).toEqual([pair!.refresh]);
      expect(oa.accessTokens.has(pair!.access)).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
