/**
 * The real app with the chat channels over loopback HTTP, the Zalo OA channel pointed at the fake OA server, a fake
 * clock and a fresh test database; signed webhook deliveries; delivery receipts recorded.
 */
import { createChannels, type Channels } from "../../bots/index.ts";
import type { OaMessageReceived } from "../../bots/zalo-oa/channel.ts";
import { loadConfig } from "../../src/config.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { FakeZaloOaServer, signOaEvent, ZALO_OA_TEST } from "../fakes/zalo-oa-server.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

export interface OaHarness {
  s: TestServer;
  oa: FakeZaloOaServer;
  channels: Channels;
  database: TestDatabase;
  clock: FakeClock;
  receipts: OaMessageReceived[];
  /** POSTs a signed event (or with `signature` as given; null = no header). */
  hook(event: Record<string, unknown>, signature?: string | null): Promise<Response>;
  close(): Promise<void>;
}

export async function startOaHarness(env: Record<string, string> = {}): Promise<OaHarness> {
  const oa = await FakeZaloOaServer.start();
  const database = await openTestDatabase();
  const clock = new FakeClock(new Date("2026-12-05T03:00:00Z"));
  const fullEnv: Record<string, string> = {
    LOG_LEVEL: "error",
    ZALO_OA_ID: ZALO_OA_TEST.oaId,
    ZALO_OA_APP_ID: ZALO_OA_TEST.appId,
    ZALO_OA_APP_SECRET: ZALO_OA_TEST.appSecret,
    ZALO_OA_SECRET_KEY: ZALO_OA_TEST.secretKey,
    ZALO_OA_ACCESS_TOKEN: ZALO_OA_TEST.accessToken,
    ZALO_OA_REFRESH_TOKEN: ZALO_OA_TEST.refreshToken,
    ZALO_OA_API_ROOT: oa.url,
    ZALO_OA_OAUTH_ROOT: oa.url,
    ...env,
  };
  const receipts: OaMessageReceived[] = [];
  const channels = createChannels({
    config: loadConfig(fullEnv),
    db: database.db,
    clock,
    logger: silentLogger,
    zaloOaBudgetMs: 10_000,
    onZaloOaMessageReceived: (r) => {
      receipts.push(r);
    },
  });
  const s = await startTestServer({ env: fullEnv, database, clock, plugins: [channels.plugin] });
  return {
    s,
    oa,
    channels,
    database,
    clock,
    receipts,
    async hook(event, signature) {
      const signed = await signOaEvent(event);
      const headers: Record<string, string> = { "content-type": "application/json" };
      const value = signature === undefined ? signed.signature : signature;
      if (value !== null) headers["X-ZEvent-Signature"] = value;
      return fetch(`${s.url}/webhooks/zalo-oa`, { method: "POST", headers, body: signed.body });
    },
    async close() {
      await channels.stop(5000);
      await s.close();
      await oa.close();
      await database.close();
    },
  };
}

let userSeq = 1;
/** A fresh OA follower id (ids exceed 2^53: strings). */
export const newOaUser = () => `84${(9_000_000_000_000_000 + userSeq++).toString()}`;
