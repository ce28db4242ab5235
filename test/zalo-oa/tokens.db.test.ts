import { beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/lib/clock.ts";
import { zaloOaTokens } from "../../src/zalo-oa/tables.ts";
import { OaApiError } from "../../src/zalo-oa/client.ts";
import { ZALO_OA_TEST } from "../fakes/zalo-oa-server.ts";
import { oaClient, storedPair, useOaFixture } from "./tokens-helpers.ts";

const fx = useOaFixture();
const clock = new FakeClock("2026-12-05T03:00:00Z");
beforeEach(async () => {
  await fx.database.db.delete(zaloOaTokens);
  fx.oa.accessTokens.clear();
  fx.oa.refreshTokens.clear();
  fx.oa.accessTokens.add(ZALO_OA_TEST.accessToken);
  fx.oa.refreshTokens.add(ZALO_OA_TEST.refreshToken);
  fx.oa.refreshCalls = 0;
  fx.oa.refusedRefreshes = 0;
  fx.oa.tokenDelayMs = 30;
  fx.oa.reset();
});

const users = Array.from({ length: 10 }, (_, i) => `u${i}`);

describe("Zalo OA tokens", () => {
  it("seeds the configured pair sealed (never in plain text) and sends with it", async () => {
    const { client } = oaClient(fx.database.db, fx.oa, clock);
    await client.sendText("u1", "xin chào");
    expect(fx.oa.sent[0]).toMatchObject({ userId: "u1", text: "xin chào", accessToken: ZALO_OA_TEST.accessToken });
    const pair = await storedPair(fx.database.db);
    expect(pair).toMatchObject({ access: ZALO_OA_TEST.accessToken, refresh: ZALO_OA_TEST.refreshToken, refreshes: 0 });
    expect(JSON.stringify(pair!.raw)).not.toContain(ZALO_OA_TEST.refreshToken);
    expect(fx.oa.refreshCalls).toBe(0);
  });

  it("-216 in 10 parallel sends of one process → exactly one refresh, the rotated refresh token stored", async () => {
    const { client } = oaClient(fx.database.db, fx.oa, clock);
    await client.sendText("warm", "x");
    fx.oa.expireAccessTokens();
    fx.oa.reset();
    await Promise.all(users.map((u) => client.sendText(u, `hi ${u}`)));
    expect(fx.oa.refreshCalls).toBe(1);
    expect(fx.oa.refusedRefreshes).toBe(0);
    expect(fx.oa.sent.map((s) => s.userId).sort()).toEqual([...users].sort());
    const pair = await storedPair(fx.database.db);
    expect(fx.oa.refreshTokens.has(pair!.refresh)).toBe(true);
    expect(fx.oa.refreshTokens.size).toBe(1);
    expect(fx.oa.accessTokens.has(pair!.access)).toBe(true);
    expect(pair!.refreshes).toBe(1);
    expect(new Set(fx.oa.sent.map((s) => s.accessToken))).toEqual(new Set([pair!.access]));
  });

  it("10 isolates (own stores, one database) racing on -216 → exactly one refresh; the others read the new pair", async () => {
    const isolates = users.map(() => oaClient(fx.database.db, fx.oa, clock));
    await isolates[0]!.client.sendText("warm", "x");
    fx.oa.expireAccessTokens();
    await Promise.all(isolates.map((iso, i) => iso.client.sendText(users[i]!, "hi")));
    expect(fx.oa.refreshCalls).toBe(1);
    expect(fx.oa.refusedRefreshes).toBe(0);
    const pair = await storedPair(fx.database.db);
    expect(fx.oa.refreshTokens.has(pair!.refresh)).toBe(true);
    expect(pair!.refreshes).toBe(1);
  });

  it("refreshes ahead of expires_in (fake clock), without waiting for -216", async () => {
    const { client } = oaClient(fx.database.db, fx.oa, clock);
    fx.oa.expireAccessTokens();
    await client.sendText("a", "1"); // -216 → refresh (expires_in 90000 s)
    expect(fx.oa.refreshCalls).toBe(1);
    const expired = fx.oa.expiredAnswers;
    clock.advance(90_000_000 - 60_000); // inside the last 5 minutes
    await client.sendText("a", "2");
    expect(fx.oa.refreshCalls).toBe(2);
    expect(fx.oa.expiredAnswers).toBe(expired);
  });

  it("a refused refresh (refresh token already spent) → the send fails, retried only once, the stored pair kept", async () => {
    const { client } = oaClient(fx.database.db, fx.oa, clock);
    await client.sendText("warm", "x");
    fx.oa.expireAccessTokens();
    fx.oa.refreshTokens.clear(); // e.g. spent by a process that crashed before storing the new pair
    const before = fx.oa.expiredAnswers;
    await expect(client.sendText("u1", "hi")).rejects.toThrow(/token refresh refused/);
    expect(fx.oa.expiredAnswers - before).toBe(1);
    expect(await storedPair(fx.database.db)).toMatchObject({ refresh: ZALO_OA_TEST.refreshToken, refreshes: 0 });
  });

  it("-216 that persists after a refresh is retried once, then surfaces as OaApiError -216", async () => {
    const { client, tokens } = oaClient(fx.database.db, fx.oa, clock);
    await tokens.accessToken();
    fx.oa.expireAccessTokens();
    const add = fx.oa.accessTokens.add.bind(fx.oa.accessTokens);
    fx.oa.accessTokens.add = () => fx.oa.accessTokens; // the new token is never honoured
    try {
      const err = await client.sendText("u1", "hi").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OaApiError);
      expect((err as OaApiError).code).toBe(-216);
      expect(fx.oa.refreshCalls).toBe(1);
    } finally {
      fx.oa.accessTokens.add = add;
    }
  });
});
