/**
 * The runtime wiring of ZNS: with ZNS_ACCESS_TOKEN the runtime's delivery engine (Node worker or Workers batch)
 * sends ZNS through the configured API root; without it there is no ZNS sender.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { FakeZnsServer, ZNS_TEST_TOKEN } from "../fakes/zns-server.ts";
import { signOaEvent, ZALO_OA_TEST } from "../fakes/zalo-oa-server.ts";
import { addMember, daysAgo } from "../segments/fixtures.ts";

let s: TestServer;
let zns: FakeZnsServer;

beforeAll(async () => {
  s = await startTestServer();
  zns = await FakeZnsServer.start({ templates: { "500": ["name"] } });
});
afterAll(async () => {
  await zns.close();
  await s.close();
});

describe("ZNS in the runtime", () => {
  it("ZNS_ACCESS_TOKEN wires a ZNS sender into the deliveries; without it there is none", async () => {
    const without = createRuntime({
      config: loadConfig({ LOG_LEVEL: "error" }),
      db: s.database.db,
      clock: s.clock,
      logger: silentLogger,
    });
    expect(without.deps.senders?.zns).toBeUndefined();

    const runtime = createRuntime({
      config: loadConfig({ LOG_LEVEL: "error", ZNS_ACCESS_TOKEN: zns.token, ZNS_API_ROOT: zns.url }),
      db: () => s.database.db, // as Workers build it
      clock: s.clock,
      logger: silentLogger,
    });
    expect(runtime.deps.senders?.zns?.broadcastRate).toBe(10);
    const { api, merchantId } = await s.merchant();
    await addMember(
      s.database.db,
      merchantId,
      { name: "Trần Văn An", phone: "+84987000111", optedIn: true, orders: [{ at: daysAgo(s.clock.now(), 8) }] },
      s.clock.now(),
    );
    await api("PUT", "/v1/zns/templates/500", { name: "Chào", params: { name: { source: "firstName" } } });
    await api("PUT", "/v1/zns/settings", { mode: "production" });
    const c = await api("POST", "/v1/campaigns", {
      name: "zns",
      segmentId: "recent-7",
      message: { vi: "Chào" },
      channel: "zns",
      znsTemplateId: "500",
    });
    expect((await api("POST", `/v1/campaigns/${c.body.id}/send`)).body.recipients).toBe(1);
    const batch = await runtime.deliveries.batch({ maxMs: 10_000 });
    expect(batch.stats.sent).toBe(1);
    expect(zns.sent).toEqual([expect.objectContaining({ phone: "84987000111", templateData: { name: "An" } })]);
    expect((await api("GET", `/v1/campaigns/${c.body.id}`)).body).toMatchObject({
      status: "done",
      byChannel: { zns: { sent: 1, cost: 300 } },
    });
  });

  it("with the Zalo OA configured: ZNS sends with the OA's token, and the OA's delivery receipt counts as delivered", async () => {
    const { api, merchantId } = await s.merchant();
    zns.token = ZALO_OA_TEST.accessToken; // the fake ZNS API accepts the OA's access token only
    const runtime = createRuntime({
      config: loadConfig({
        LOG_LEVEL: "error",
        ZNS_API_ROOT: zns.url,
        DEFAULT_MERCHANT_ID: merchantId,
        ZALO_OA_ID: ZALO_OA_TEST.oaId,
        ZALO_OA_APP_ID: ZALO_OA_TEST.appId,
        ZALO_OA_APP_SECRET: ZALO_OA_TEST.appSecret,
        ZALO_OA_SECRET_KEY: ZALO_OA_TEST.secretKey,
        ZALO_OA_ACCESS_TOKEN: ZALO_OA_TEST.accessToken,
        ZALO_OA_REFRESH_TOKEN: ZALO_OA_TEST.refreshToken,
      }),
      db: s.database.db,
      clock: s.clock,
      logger: silentLogger,
    });
    try {
      await addMember(
        s.database.db,
        merchantId,
        { name: "Lê Thị Bình", phone: "+84987000222", optedIn: true, orders: [{ at: daysAgo(s.clock.now(), 8) }] },
        s.clock.now(),
      );
      await api("PUT", "/v1/zns/templates/500", { name: "Chào", params: { name: { source: "firstName" } } });
      await api("PUT", "/v1/zns/settings", { mode: "production" });
      const c = await api("POST", "/v1/campaigns", {
        name: "zns via oa",
        segmentId: "recent-7",
        message: { vi: "Chào" },
        channel: "zns",
        znsTemplateId: "500",
      });
      await api("POST", `/v1/campaigns/${c.body.id}/send`);
      expect((await runtime.deliveries.batch({ maxMs: 10_000 })).stats.sent).toBe(1);
      const sent = zns.sent.at(-1)!;
      expect(sent).toMatchObject({ phone: "84987000222", templateData: { name: "Bình" } });

      const { body, signature } = await signOaEvent({
        event_name: "user_received_message",
        sender: { id: ZALO_OA_TEST.oaId },
        recipient: { id: "8000000000000000001" },
        message: { msg_id: sent.msgId, tracking_id: sent.trackingId },
        timestamp: String(s.clock.now().getTime()),
      });
      const r = await runtime.app.fetch(
        new Request("http://local/webhooks/zalo-oa", {
          method: "POST",
          headers: { "content-type": "application/json", "X-ZEvent-Signature": signature },
          body,
        }),
      );
      expect(r.status).toBe(200);
      expect((await api("GET", `/v1/campaigns/${c.body.id}`)).body).toMatchObject({
        byChannel: { zns: { sent: 1, delivered: 1 } },
      });
    } finally {
      zns.token = ZNS_TEST_TOKEN;
    }
  });
});
