/**
 * ZNS end to end over HTTP (both databases): the template registry and preview, campaigns that reach members
 * without chats by ZNS (fake ZNS server on loopback), channel choice and fallback, consent, the daily quota and
 * quiet hours with a moving clock, delivery receipts in the KPIs, the cost estimate, isolation between merchants.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { resultRows } from "../../src/db/rows.ts";
import { type ApiResponse, startTestServer, type TestServer } from "../helpers/server.ts";
import { FakeTelegramServer } from "../fakes/telegram-server.ts";
import { FakeZnsServer } from "../fakes/zns-server.ts";
import { startDeliveryWorker, type DeliveryWorker } from "../../src/campaigns/worker.ts";
import { createZnsSender } from "../../src/channels/zns.ts";
import { recordZnsReceipt } from "../../src/zns/receipts.ts";
import { runJourneyPass } from "../../src/journeys/service.ts";
import { addMember, daysAgo, type MemberSpec } from "../segments/fixtures.ts";
import { httpTelegramSender, LiveClock, waitUntil } from "../campaigns/helpers.ts";

let s: TestServer;
let tg: FakeTelegramServer;
let zns: FakeZnsServer;
let worker: DeliveryWorker | undefined;
const clock = new LiveClock("2026-11-20T03:00:00Z"); // 10:00 in Ho Chi Minh City

const TEMPLATE = "231001";
const PARAMS = {
  customer_name: { source: "firstName" },
  points: { source: "points" },
  tier: { source: "tier" },
  shop: { source: "const", value: "Cà Phê Phố" },
};

beforeAll(async () => {
  s = await startTestServer({ clock });
  tg = await FakeTelegramServer.start();
  zns = await FakeZnsServer.start({
    templates: {
      [TEMPLATE]: ["customer_name", "points", "tier", "shop"],
      "231002": ["customer_name", "code", "until"],
    },
  });
});
afterAll(async () => {
  await zns.close();
  await tg.close();
  await s.close();
});
beforeEach(() => {
  tg.reset();
  zns.reset();
  clock.set("2026-11-20T03:00:00Z");
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

function startWorker() {
  worker = startDeliveryWorker({
    db: s.database.db,
    senders: {
      telegram: httpTelegramSender(tg.url, tg.token, 200),
      zns: createZnsSender({ fetch, accessToken: () => zns.token, apiRoot: zns.url, broadcastRate: 200 }),
    },
    clock,
    pollMs: 100,
    sweepMs: 500,
    backoffMs: () => 50,
  });
  return worker;
}

let chatSeq = 8_100_000;
const tgChat = () => String(++chatSeq);
let phoneSeq = 912_000_000;
const phone = () => `+84${++phoneSeq}`;
const lapsed = () => [{ at: daysAgo(clock.now(), 8) }];

async function merchantWith(specs: Record<string, MemberSpec>) {
  const m = await s.merchant();
  const ids: Record<string, string> = {};
  for (const [k, spec] of Object.entries(specs))
    ids[k] = await addMember(s.database.db, m.merchantId, { orders: lapsed(), tierName: "Bạc", ...spec }, clock.now());
  await m.api("PUT", `/v1/zns/templates/${TEMPLATE}`, { name: "Điểm của bạn", params: PARAMS });
  return { ...m, ids };
}

type Api = Awaited<ReturnType<TestServer["merchant"]>>["api"];

async function waitFor(api: Api, id: string, ok: (v: ApiResponse["body"]) => boolean, what: string) {
  return waitUntil(what, async () => {
    const r = await api("GET", `/v1/campaigns/${id}`);
    return ok(r.body) ? r.body : undefined;
  });
}

describe("ZNS template registry", () => {
  it("register, replace, list, preview for a sample member and for a real one", async () => {
    const { api, ids } = await merchantWith({
      hoa: { name: "Nguyễn Văn Hoa", phone: "+84912345678", pointsTotal: 12_345, tierName: "Vàng", optedIn: true },
    });
    const again = await api("PUT", `/v1/zns/templates/${TEMPLATE}`, {
      name: "Điểm",
      tag: "promotion",
      params: PARAMS,
    });
    expect(again.status).toBe(200);
    const created = await api("PUT", "/v1/zns/templates/231002", {
      name: "Mã ưu đãi",
      params: {
        customer_name: { source: "name" },
        code: { source: "offerCode" },
        until: { source: "offerExpiry" },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ templateId: "231002", tag: "promotion" });
    const list = await api("GET", "/v1/zns/templates");
    expect(list.body.templates.map((t: { templateId: string }) => t.templateId)).toEqual([TEMPLATE, "231002"]);

    const sample = await api("POST", `/v1/zns/templates/${TEMPLATE}/preview`, {});
    expect(sample.status).toBe(200);
    expect(sample.body).toEqual({
      templateId: TEMPLATE,
      mode: "development",
      phone: "84912345678",
      templateData: { customer_name: "Hoa", points: "1.234", tier: "Bạc", shop: "Cà Phê Phố" },
      pricePerMessage: 300,
      sample: true,
    });
    const real = await api("POST", `/v1/zns/templates/${TEMPLATE}/preview`, { memberId: ids.hoa });
    expect(real.body.templateData).toEqual({
      customer_name: "Hoa",
      points: "12.345",
      tier: "Vàng",
      shop: "Cà Phê Phố",
    });
    const offer = await api("POST", "/v1/zns/templates/231002/preview", {
      offerCode: "TET2027",
      offerExpiry: "2027-02-15",
    });
    expect(offer.body.templateData).toEqual({
      customer_name: "Nguyễn Văn Hoa",
      code: "TET2027",
      until: "15/02/2027",
    });
    expect((await api("DELETE", "/v1/zns/templates/231002")).status).toBe(204);
    expect((await api("GET", "/v1/zns/templates/231002")).status).toBe(404);
  });

  it("another merchant's template is not usable (404); bad input → 400 problem+json with the field, nothing changed", async () => {
    const a = await merchantWith({});
    const b = await s.merchant();
    for (const [method, path, body] of [
      ["GET", `/v1/zns/templates/${TEMPLATE}`, undefined],
      ["POST", `/v1/zns/templates/${TEMPLATE}/preview`, {}],
      ["DELETE", `/v1/zns/templates/${TEMPLATE}`, undefined],
    ] as const) {
      const r = await b.api(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.type).toMatch(/zns-template-not-found$/);
    }
    const cmp = await b.api("POST", "/v1/campaigns", {
      name: "x",
      segmentId: "recent-7",
      message: { vi: "Chào" },
      znsTemplateId: TEMPLATE,
    });
    expect(cmp.status).toBe(404);
    expect(cmp.body.errors).toEqual([{ path: "znsTemplateId", message: "no such ZNS template" }]);
    const journey = await b.api("PUT", "/v1/journeys/reactivation", {
      enabled: true,
      steps: [{ segmentId: "recent-7", message: { vi: "Chào" }, channel: "zns", znsTemplateId: TEMPLATE }],
    });
    expect(journey.status).toBe(404);
    // A preview of the member of another merchant: not found either.
    const { ids } = await merchantWith({ x: { phone: phone() } });
    const foreignMember = await b.api("PUT", `/v1/zns/templates/${TEMPLATE}`, { name: "B's own", params: PARAMS });
    expect(foreignMember.status).toBe(201);
    expect((await b.api("POST", `/v1/zns/templates/${TEMPLATE}/preview`, { memberId: ids.x })).status).toBe(404);
    // …and B registering the same Zalo id did not touch A's.
    expect((await a.api("GET", `/v1/zns/templates/${TEMPLATE}`)).body.name).toBe("Điểm của bạn");

    const bad: [string, string, unknown, string][] = [
      ["PUT", `/v1/zns/templates/${TEMPLATE}`, { name: "x", params: { a: { source: "bogus" } } }, "params.a"],
      ["PUT", `/v1/zns/templates/${TEMPLATE}`, { name: "", params: {} }, "name"],
      ["PUT", `/v1/zns/templates/${TEMPLATE}`, { name: "x", params: { a: { source: "const" } } }, "params.a"],
      ["PUT", "/v1/zns/templates/bad%20id", { name: "x", params: {} }, "templateId"],
      ["PUT", "/v1/zns/settings", { dailyQuota: 0 }, "dailyQuota"],
      ["PUT", "/v1/zns/settings", { pricePerMessage: 1.5 }, "pricePerMessage"],
      ["PUT", "/v1/zns/settings", { mode: "live" }, "mode"],
      ["POST", `/v1/zns/templates/${TEMPLATE}/preview`, { offerExpiry: "tomorrow" }, "offerExpiry"],
      ["POST", "/v1/campaigns", { name: "x", segmentId: "recent-7", message: { vi: "a" }, channel: "sms" }, "channel"],
      [
        "POST",
        "/v1/campaigns",
        { name: "x", segmentId: "recent-7", message: { vi: "a" }, channel: "zns" },
        "znsTemplateId",
      ],
      [
        "POST",
        "/v1/campaigns",
        { name: "x", segmentId: "recent-7", message: { vi: "a" }, znsTemplateId: "231002" },
        "znsOffer.code",
      ],
      [
        "POST",
        "/v1/campaigns",
        { name: "x", segmentId: "recent-7", message: { vi: "a" }, znsTemplateId: TEMPLATE, znsOffer: { x: 1 } },
        "znsOffer",
      ],
    ];
    await a.api("PUT", "/v1/zns/templates/231002", {
      name: "Mã",
      params: {
        customer_name: { source: "name" },
        code: { source: "offerCode" },
        until: { source: "const", value: "x" },
      },
    });
    for (const [method, path, body, field] of bad) {
      const r = await a.api(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect((await a.api("GET", `/v1/zns/templates/${TEMPLATE}`)).body.params).toEqual(PARAMS);
    expect((await a.api("GET", "/v1/zns/settings")).body).toEqual({
      mode: "development",
      pricePerMessage: 300,
      dailyQuota: null,
    });
    expect((await a.api("GET", "/v1/campaigns")).body.campaigns).toEqual([]);
  });
});

describe("ZNS campaigns", () => {
  it("members without chats get ZNS: rendered, consent, fallback, estimate = count × price, quota and quiet hours, receipts", async () => {
    const { api, merchantId, ids } = await merchantWith({
      chat: {
        name: "Trần Thị Lan",
        optedIn: true,
        phone: phone(),
        channels: [{ channel: "telegram", chatId: tgChat() }],
      },
      b: { name: "Nguyễn Văn Bình", optedIn: true, phone: phone(), pointsTotal: 1500, tierName: "Vàng" },
      c: { name: "Lê Minh Châu", optedIn: true, phone: phone(), pointsTotal: 20 },
      blockedChat: {
        name: "Phạm Duy",
        optedIn: true,
        phone: phone(),
        channels: [{ channel: "telegram", chatId: tgChat(), unreachable: true }],
      },
      g: { name: "Hồ Gấm", optedIn: true, phone: phone() },
      noConsent: { name: "Võ Khang", optedIn: false, phone: phone() },
      noPhone: { name: "Đỗ Phương", optedIn: true },
    });
    await api("PUT", "/v1/zns/settings", { mode: "production", pricePerMessage: 300, dailyQuota: 3 });
    await api("PUT", "/v1/messaging/settings", { quietHours: { start: "21:00", end: "08:00" } });
    clock.set("2026-11-20T15:00:00Z"); // 22:00 local: inside the quiet hours
    const c = await api("POST", "/v1/campaigns", {
      name: "Điểm",
      segmentId: "recent-7",
      message: { vi: "Chào {{firstName}}, bạn có {{points}} điểm" },
      znsTemplateId: TEMPLATE,
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ channel: "auto", znsTemplateId: TEMPLATE });

    const est = await api("GET", `/v1/campaigns/${c.body.id}/estimate`);
    expect(est.status).toBe(200);
    expect(est.body).toEqual({
      id: c.body.id,
      channel: "auto",
      recipients: 5,
      byChannel: { telegram: { recipients: 1, messages: 1 }, zns: { recipients: 4, messages: 4 } },
      skipped: { total: 2, reasons: { "no-consent": 1, "no-phone": 1 } },
      zns: {
        templateId: TEMPLATE,
        mode: "production",
        messages: 4,
        pricePerMessage: 300,
        cost: 1200,
        dailyQuota: 3,
        usedToday: 0,
        today: 3,
        deferred: 1,
        senderConfigured: false, // the test server has no ZNS_ACCESS_TOKEN: the worker below brings its own sender
      },
    });

    startWorker();
    const sent = await api("POST", `/v1/campaigns/${c.body.id}/send`);
    expect(sent.body).toMatchObject({ status: "sending", recipients: 5 });
    await waitUntil("every recipient deferred to the end of the quiet hours", async () => {
      const rows = await resultRows<{ not_before: Date | string }>(
        await s.database.db.execute(
          sql`select not_before from deliveries where campaign_id = ${c.body.id} and status = 'queued'`,
        ),
      );
      return (
        rows.length === 5 && rows.every((r) => new Date(r.not_before).getTime() >= Date.parse("2026-11-21T01:00:00Z"))
      );
    });
    expect(zns.calls).toHaveLength(0);
    expect(tg.callsOf("sendMessage")).toHaveLength(0);

    clock.set("2026-11-21T01:00:01Z"); // 08:00:01 local: quiet hours over; 3 ZNS today (quota), the 4th tomorrow
    worker!.wake();
    const day1 = await waitFor(api, c.body.id, (v) => v.counts.sent === 4, "chat + 3 ZNS sent");
    expect(day1).toMatchObject({ status: "sending", pending: 1 });
    expect(zns.sent).toHaveLength(3);
    expect(tg.callsOf("sendMessage")).toHaveLength(1);
    const deferred = await resultRows<{ not_before: Date | string; member_id: string }>(
      await s.database.db.execute(
        sql`select not_before, member_id from deliveries where campaign_id = ${c.body.id} and status = 'queued'`,
      ),
    );
    expect(deferred).toHaveLength(1);
    expect(new Date(deferred[0]!.not_before).toISOString()).toBe("2026-11-21T17:00:00.000Z"); // next local midnight
    // What Zalo got: phone 84…, the template, rendered parameters, our delivery id as tracking_id, no dev mode.
    const byPhone = new Map(zns.sent.map((m) => [m.phone, m]));
    const rows = await resultRows<{ id: unknown; member_id: string; chat_id: string; message_id: string | null }>(
      await s.database.db.execute(
        sql`select id, member_id, chat_id, message_id from deliveries where campaign_id = ${c.body.id} and channel = 'zns'`,
      ),
    );
    const expected: Record<string, Record<string, string>> = {
      [ids.b!]: { customer_name: "Bình", points: "1.500", tier: "Vàng", shop: "Cà Phê Phố" },
      [ids.c!]: { customer_name: "Châu", points: "20", tier: "Bạc", shop: "Cà Phê Phố" },
      [ids.blockedChat!]: { customer_name: "Duy", points: "0", tier: "Bạc", shop: "Cà Phê Phố" },
      [ids.g!]: { customer_name: "Gấm", points: "0", tier: "Bạc", shop: "Cà Phê Phố" },
    };
    for (const m of zns.sent) {
      expect(m.templateId).toBe(TEMPLATE);
      expect(m.mode).toBeUndefined();
      const row = rows.find((r) => String(r.id) === m.trackingId)!;
      expect(m.templateData).toEqual(expected[row.member_id]);
      expect(byPhone.get(m.phone)).toBe(m);
      expect(row.chat_id).toBe(`+${m.phone}`);
      expect(row.message_id).toBe(m.msgId);
    }
    // The member whose chat is blocked fell back to ZNS; the linked member got the chat message.
    expect(rows.map((r) => r.member_id).sort()).toEqual([ids.b, ids.c, ids.blockedChat, ids.g].sort());

    // Receipts: by tracking id, by msg_id; a repeat and another merchant's are not counted.
    const [m1, m2] = zns.sent;
    const at = clock.now();
    expect((await recordZnsReceipt(s.database.db, merchantId, { trackingId: m1!.trackingId, at })).recorded).toBe(true);
    expect((await recordZnsReceipt(s.database.db, merchantId, { trackingId: m1!.trackingId, at })).recorded).toBe(
      false,
    );
    const other = await s.merchant();
    expect((await recordZnsReceipt(s.database.db, other.merchantId, { msgId: m2!.msgId, at })).recorded).toBe(false);
    expect((await recordZnsReceipt(s.database.db, merchantId, { msgId: m2!.msgId, at })).recorded).toBe(true);

    clock.set("2026-11-21T17:00:30Z"); // 00:00:30 local: a new day, but inside the quiet hours again
    worker!.wake();
    await waitUntil("the 4th held back until 08:00", async () => {
      const r = await resultRows<{ not_before: Date | string }>(
        await s.database.db.execute(
          sql`select not_before from deliveries where campaign_id = ${c.body.id} and status = 'queued'`,
        ),
      );
      return r.length === 1 && new Date(r[0]!.not_before).toISOString() === "2026-11-22T01:00:00.000Z";
    });
    expect(zns.sent).toHaveLength(3);
    clock.set("2026-11-22T01:00:01Z");
    worker!.wake();
    const done = await waitFor(api, c.body.id, (v) => v.status === "done", "campaign done");
    expect(zns.sent).toHaveLength(4);
    expect(done.counts).toEqual({
      recipients: 5,
      sent: 5,
      failed: 0,
      blocked: 0,
      optedOut: 0,
      skippedCap: 0,
      control: 0,
    });
    expect(done.skipped).toEqual({ total: 2, reasons: { "no-consent": 1, "no-phone": 1 } });
    expect(done.byChannel.telegram).toMatchObject({ recipients: 1, sent: 1, delivered: 1 });
    expect(done.byChannel.zns).toEqual({
      recipients: 4,
      sent: 4,
      failed: 0,
      blocked: 0,
      optedOut: 0,
      skippedCap: 0,
      control: 0,
      pending: 0,
      delivered: 2,
      cost: 1200,
    });
    const channelSum = Object.values(done.byChannel as Record<string, { recipients: number }>).reduce(
      (a, x) => a + x.recipients,
      0,
    );
    expect(channelSum).toBe(done.counts.recipients);
  });

  it("channel choice: chat only, zns only, auto without a template; development mode; Zalo quota error not retried", async () => {
    const zPhone = phone();
    const { api } = await merchantWith({
      chat: {
        name: "Lan",
        optedIn: true,
        phone: "+84912000111",
        channels: [{ channel: "telegram", chatId: tgChat() }],
      },
      chatNoPhone: { name: "Minh", optedIn: true, channels: [{ channel: "telegram", chatId: tgChat() }] },
      zOnly: { name: "Bình", optedIn: true, phone: zPhone },
      stopped: { name: "Châu", optedIn: false, phone: phone(), channels: [{ channel: "telegram", chatId: tgChat() }] },
    });
    const make = async (body: Record<string, unknown>) =>
      (await api("POST", "/v1/campaigns", { name: "x", segmentId: "recent-7", message: { vi: "Chào" }, ...body })).body
        .id as string;
    const est = async (id: string) => (await api("GET", `/v1/campaigns/${id}/estimate`)).body;

    // auto without a ZNS template: the campaigns contract — members without a chat are not recipients.
    expect((await est(await make({}))).byChannel).toEqual({ telegram: { recipients: 3, messages: 2 } });
    // chat only, even with a template.
    const chatOnly = await est(await make({ channel: "chat", znsTemplateId: TEMPLATE }));
    expect(chatOnly).toMatchObject({ recipients: 3, skipped: { total: 0 }, zns: { messages: 0, cost: 0 } });
    // zns only: members with a phone and consent, chats or not; the rest skipped with the reason.
    const znsOnly = await est(await make({ channel: "zns", znsTemplateId: TEMPLATE }));
    expect(znsOnly).toMatchObject({
      recipients: 2,
      byChannel: { zns: { recipients: 2, messages: 2 } },
      skipped: { total: 2, reasons: { "no-phone": 1, "no-consent": 1 } },
      zns: { messages: 2, cost: 600 },
    });
    // auto with a template: chat first (the opted-out member stays on the chat and is counted optedOut there).
    const auto = await est(await make({ znsTemplateId: TEMPLATE }));
    expect(auto.byChannel).toEqual({
      telegram: { recipients: 3, messages: 2 },
      zns: { recipients: 1, messages: 1 },
    });

    // Development mode (the default): sent with mode "development"; Zalo delivers it to the OA's admins only.
    zns.admins.add("84912000111");
    zns.admins.add(zPhone.slice(1));
    startWorker();
    const dev = await make({ channel: "zns", znsTemplateId: TEMPLATE });
    zns.dailyQuota = 1; // Zalo's own quota: the second message of the day is refused (-144, not retried)
    await api("POST", `/v1/campaigns/${dev}/send`);
    const done = await waitFor(api, dev, (v) => v.status === "done", "dev campaign done");
    expect(zns.sent).toHaveLength(1);
    expect(zns.sent[0]).toMatchObject({ mode: "development" });
    expect(done.counts).toMatchObject({ recipients: 2, sent: 1, failed: 1 });
    const failed = await resultRows<{ error: string; attempts: unknown }>(
      await s.database.db.execute(
        sql`select error, attempts from deliveries where campaign_id = ${dev} and status = 'failed'`,
      ),
    );
    expect(failed).toHaveLength(1);
    expect(Number(failed[0]!.attempts)).toBe(1); // not retried
    expect(failed[0]!.error).toMatch(/quota-exceeded/);
  });

  it("consent: ZNS only after the merchant records marketing consent (PATCH optedIn), and not once withdrawn", async () => {
    const { api, ids } = await merchantWith({ walkIn: { name: "Khách", phone: phone(), optedIn: false } });
    const id = (
      await api("POST", "/v1/campaigns", {
        name: "x",
        segmentId: "recent-7",
        message: { vi: "Chào" },
        znsTemplateId: TEMPLATE,
      })
    ).body.id;
    const est = async () => (await api("GET", `/v1/campaigns/${id}/estimate`)).body;
    expect(await est()).toMatchObject({ recipients: 0, skipped: { reasons: { "no-consent": 1 } } });
    expect((await api("PATCH", `/v1/members/${ids.walkIn}`, { optedIn: "yes" })).status).toBe(400);
    const patched = await api("PATCH", `/v1/members/${ids.walkIn}`, { optedIn: true });
    expect(patched.body.optedIn).toBe(true);
    expect(await est()).toMatchObject({ recipients: 1, byChannel: { zns: { messages: 1 } }, skipped: { total: 0 } });
    // Withdrawn after the send started: checked again when the message is claimed → optedOut, nothing sent.
    await api("PUT", "/v1/zns/settings", { mode: "production" });
    await api("POST", `/v1/campaigns/${id}/send`);
    await api("PATCH", `/v1/members/${ids.walkIn}`, { optedIn: false });
    startWorker(); // started after the withdrawal: the claim sees it
    const done = await waitFor(api, id, (v) => v.status === "done", "done");
    expect(done.counts).toMatchObject({ recipients: 1, sent: 0, optedOut: 1 });
    expect(zns.calls).toHaveLength(0);
  });

  it("journeys: a step reaches members without a chat by ZNS; per-channel counts", async () => {
    const { api, merchantId } = await merchantWith({
      chat: { name: "Lan", optedIn: true, channels: [{ channel: "telegram", chatId: tgChat() }] },
      z: { name: "Bình", optedIn: true, phone: phone() },
      noConsent: { name: "Châu", optedIn: false, phone: phone() },
    });
    await api("PUT", "/v1/zns/settings", { mode: "production" });
    const put = await api("PUT", "/v1/journeys/reactivation", {
      enabled: true,
      steps: [{ segmentId: "recent-7", message: { vi: "Nhớ bạn {{firstName}}" }, znsTemplateId: TEMPLATE }],
    });
    expect(put.status).toBe(200);
    expect(put.body.steps[0]).toMatchObject({ znsTemplateId: TEMPLATE });
    expect((await runJourneyPass(s.database.db, merchantId, clock.now())).queued).toBe(2);
    startWorker();
    const j = await waitUntil("journey step sent", async () => {
      const r = await api("GET", "/v1/journeys/reactivation");
      return r.body.steps[0].counts.sent === 2 ? r.body : undefined;
    });
    expect(j.steps[0].counts.byChannel).toEqual({ telegram: 1, zns: 1 });
    expect(zns.sent.map((m) => m.templateData.customer_name)).toEqual(["Bình"]);
  });
});
