// Postgres only: ten processes are ten connection pools on one database; the token row lock serialises their
// refreshes, so a single-use refresh token is spent exactly once.
import { describe, expect, it } from "vitest";
import { openPostgres } from "../../src/db/postgres.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { oaClient, storedPair, useOaFixture } from "./tokens-helpers.ts";

const fx = useOaFixture();
const clock = new FakeClock("2026-12-05T03:00:00Z");

describe("Zalo OA token refresh across processes (Postgres)", () => {
  it("10 pools × parallel sends on an expired token → exactly one refresh, the rotated refresh token stored", async () => {
    const pools = Array.from({ length: 10 }, () => openPostgres(fx.database.url!, { max: 2 }));
    try {
      const procs = pools.map((p) => oaClient(p.db, fx.oa, clock));
      await procs[0]!.client.sendText("warm", "x");
      fx.oa.expireAccessTokens();
      fx.oa.tokenDelayMs = 100; // every process is waiting on the lock while the first refresh is in flight
      fx.oa.reset();
      await Promise.all(procs.flatMap((p, i) => [p.client.sendText(`u${i}`, "a"), p.client.sendText(`v${i}`, "b")]));
      expect(fx.oa.refreshCalls).toBe(1);
      expect(fx.oa.refusedRefreshes).toBe(0);
      expect(fx.oa.sent).toHaveLength(20);
      const pair = await storedPair(fx.database.db);
      expect(pair!.refreshes).toBe(1);
      expect([...fx.oa.refreshTokens]).toEqual([pair!.refresh]);
      expect(fx.oa.accessTokens.has(pair!.access)).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
