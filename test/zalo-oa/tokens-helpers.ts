/** Token stores and OA clients against the fake OA server, as each process or Worker isolate builds them. */
import { eq } from "drizzle-orm";
import { fetchTransport, ZaloHttp } from "../../src/channels/zalo-http.ts";
import type { Db } from "../../src/db/types.ts";
import type { Clock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { createSecretBox } from "../../src/lib/secret-box.ts";
import { ZaloOaClient } from "../../src/zalo-oa/client.ts";
import { zaloOaTokens } from "../../src/zalo-oa/tables.ts";
import { OaTokenStore } from "../../src/zalo-oa/tokens.ts";
import { afterAll, beforeAll } from "vitest";
import { FakeZaloOaServer, ZALO_OA_TEST } from "../fakes/zalo-oa-server.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

export const box = createSecretBox(undefined);

export function oaClient(db: Db, oa: FakeZaloOaServer, clock: Clock) {
  const http = new ZaloHttp(fetchTransport());
  const tokens = new OaTokenStore({
    db,
    oaId: ZALO_OA_TEST.oaId,
    appId: ZALO_OA_TEST.appId,
    appSecret: ZALO_OA_TEST.appSecret,
    oauthRoot: oa.url,
    http,
    clock,
    box,
    logger: silentLogger,
    initial: { accessToken: ZALO_OA_TEST.accessToken, refreshToken: ZALO_OA_TEST.refreshToken },
  });
  return { tokens, client: new ZaloOaClient({ apiRoot: oa.url, http, tokens }) };
}

/** The stored pair, opened. */
export async function storedPair(db: Db) {
  const [row] = await db.select().from(zaloOaTokens).where(eq(zaloOaTokens.oaId, ZALO_OA_TEST.oaId));
  if (!row) return undefined;
  return {
    raw: row,
    access: await box.open(row.accessToken),
    refresh: await box.open(row.refreshToken),
    refreshes: row.refreshes,
  };
}

/** A fake OA server and a fresh database for the file (started before its tests, closed after). */
export function useOaFixture(): { oa: FakeZaloOaServer; database: TestDatabase } {
  const f = {} as { oa: FakeZaloOaServer; database: TestDatabase };
  beforeAll(async () => {
    f.oa = await FakeZaloOaServer.start();
    f.database = await openTestDatabase();
  });
  afterAll(async () => {
    await f.oa?.close();
    await f.database?.close();
  });
  return f;
}
