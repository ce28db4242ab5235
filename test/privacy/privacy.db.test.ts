/**
 * Personal data (issue 16): consent records in chat and through the API (optedIn kept in step), export and
 * erasure round trip, the audit log (an entry for each kind of write, settings before/after, tenant scope) and the
 * retention purge.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { createConversation } from "../../bots/core/conversation.ts";
import type { ChatInput } from "../../bots/core/types.ts";
import { createLinkCode } from "../../src/links/service.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { members, channelIdentities } from "../../src/db/schema.ts";
import { llmChatTurns } from "../../src/llm/tables.ts";
import { deliveries } from "../../src/campaigns/tables.ts";
import { consentEvents } from "../../src/members/tables.ts";
import { CONSENT_WORDING } from "../../src/privacy/wording.ts";
import { runScheduledJobs } from "../../src/jobs/scheduler.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const db = () => s.database.db;
let seq = 0;

function conversation(merchantId: string) {
  return createConversation({
    db: db(),
    clock: s.clock,
    logger: silentLogger,
    config: { DEFAULT_MERCHANT_ID: merchantId },
  });
}

async function linkInChat(merchantId: string, memberId: string, lang: "vi" | "en" = "en") {
  const conv = conversation(merchantId);
  const userId = `privacy-user-${seq++}`;
  const base = { channel: "web" as const, userId, chatId: userId };
  await conv.handle({ ...base, text: `/language ${lang}` });
  const { code } = await createLinkCode(db(), merchantId, memberId, s.clock.now());
  const replies = await conv.handle({ ...base, text: `/start ${code}` });
  return { conv, replies, input: (extra: Partial<ChatInput>): ChatInput => ({ ...base, ...extra }), userId };
}

async function optedIn(memberId: string): Promise<boolean> {
  const [m] = await db().select({ o: members.optedIn }).from(members).where(eq(members.id, memberId));
  return m!.o;
}

describe("consent records", () => {
  it("linking records the loyalty terms and marketing consent with the wording shown, then asks; No withdraws", async () => {
    const { merchantId, api } = await s.merchant();
    const m = (await api("POST", "/v1/members", { phone: "0912000101", name: "Lan" })).body;
    expect(await optedIn(m.id)).toBe(false);
    const { conv, replies, input } = await linkInChat(merchantId, m.id, "en");
    // The spec's link reply stays first; the consent question is an additional message with Yes / No.
    expect(replies[0]!.text).toMatch(/^Linked!/);
    const ask = replies[replies.length - 1]!;
    expect(ask.text).toContain(CONSENT_WORDING.marketingQuestion.en);
    expect(ask.text).toContain(CONSENT_WORDING.loyaltyTerms.en);
    expect(ask.buttons?.[0]?.map((b) => b.data)).toEqual(["cs:y", "cs:n"]);
    expect(await optedIn(m.id)).toBe(true);

    const read = (await api("GET", `/v1/members/${m.id}/consents`)).body;
    expect(read.current).toEqual({ marketing: true, loyaltyTerms: true });
    expect(read.events.map((e: { purpose: string }) => e.purpose).sort()).toEqual(["loyalty_terms", "marketing"]);
    expect(read.events[0]).toMatchObject({ channel: "web", language: "en", actor: null, granted: true });

    const no = await conv.handle(input({ button: "cs:n" }));
    expect(no[0]!.text).toMatch(/won't receive promotional messages/);
    expect(await optedIn(m.id)).toBe(false);
    const after = (await api("GET", `/v1/members/${m.id}/consents`)).body;
    expect(after.current.marketing).toBe(false);
    expect(after.events[0]).toMatchObject({ purpose: "marketing", granted: false, wording: ask.text });

    // The member's optedIn (what campaigns read) and the GET /members view agree.
    expect((await api("GET", `/v1/members/${m.id}`)).body.optedIn).toBe(false);
    await conv.handle(input({ button: "cs:y" }));
    expect(await optedIn(m.id)).toBe(true);
  });

  it("/stop (and /optout) withdraws and /start grants again, each an event; Vietnamese wording in vi", async () => {
    const { merchantId, api } = await s.merchant();
    const m = (await api("POST", "/v1/members", { phone: "0912000102" })).body;
    const { conv, replies, input } = await linkInChat(merchantId, m.id, "vi");
    expect(replies[replies.length - 1]!.text).toContain(CONSENT_WORDING.marketingQuestion.vi);
    await conv.handle(input({ text: "/optout" }));
    expect(await optedIn(m.id)).toBe(false);
    await conv.handle(input({ text: "/start" }));
    expect(await optedIn(m.id)).toBe(true);
    await conv.handle(input({ text: "/stop" }));
    expect(await optedIn(m.id)).toBe(false);
    const ev = (await api("GET", `/v1/members/${m.id}/consents`)).body.events;
    expect(ev.slice(0, 3).map((e: { granted: boolean; wording: string }) => [e.granted, e.wording])).toEqual([
      [false, CONSENT_WORDING.stopCommand.vi],
      [true, CONSENT_WORDING.startCommand.vi],
      [false, CONSENT_WORDING.stopCommand.vi],
    ]);
  });

  it("the API records consent with the key as actor; marketing flips optedIn in the same transaction; bad input 400", async () => {
    const { api, merchantId } = await s.merchant();
    const m = (await api("POST", "/v1/members", { phone: "0912000103" })).body;
    const r = await api("POST", `/v1/members/${m.id}/consents`, {
      purpose: "marketing",
      granted: true,
      channel: "pos",
      wording: "Tôi đồng ý nhận tin khuyến mãi qua Zalo/Telegram.",
      language: "vi",
    });
    expect(r.status).toBe(201);
    expect(r.body.current).toEqual({ marketing: true, loyaltyTerms: null });
    expect(r.body.events[0].actor).toMatch(/^key:/);
    expect(await optedIn(m.id)).toBe(true);
    const terms = await api("POST", `/v1/members/${m.id}/consents`, {
      purpose: "loyalty_terms",
      granted: true,
      wording: "Điều khoản chương trình thành viên v2",
    });
    expect(terms.body.current).toEqual({ marketing: true, loyaltyTerms: true });
    const before = await db().$count(consentEvents, eq(consentEvents.memberId, m.id));
    for (const [body, path] of [
      [{ purpose: "marketing", granted: true }, "wording"],
      [{ purpose: "ads", granted: true, wording: "x" }, "purpose"],
      [{ purpose: "marketing", granted: true, wording: "a\u0000b" }, "wording"],
    ] as const) {
      const bad = await api("POST", `/v1/members/${m.id}/consents`, body);
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe(path);
    }
    expect(await db().$count(consentEvents, eq(consentEvents.memberId, m.id))).toBe(before);
    // Another merchant sees neither the member nor its consents.
    const other = await s.merchant("Other");
    expect((await other.api("GET", `/v1/members/${m.id}/consents`)).status).toBe(404);
    expect(
      (await other.api("POST", `/v1/members/${m.id}/consents`, { purpose: "marketing", granted: false, wording: "x" }))
        .status,
    ).toBe(404);
    expect(merchantId).not.toBe(other.merchantId);
  });
});

async function memberWithHistory(api: Api, merchantId: string, phone: string) {
  const m = (
    await api("POST", "/v1/members", {
      phone,
      email: `an.${phone}@example.vn`,
      name: "Nguyễn Văn An",
      birthday: "1990-04-05",
    })
  ).body;
  const order = await api("POST", "/v1/orders", {
    externalId: `ord-${seq++}`,
    memberId: m.id,
    items: [{ sku: "CF", name: "Cà phê", quantity: 2, unitPrice: 50_000 }],
  });
  expect(order.status).toBe(201);
  await api("POST", `/v1/members/${m.id}/adjustments`, { points: 500, reason: "welcome" });
  const chat = await linkInChat(merchantId, m.id, "en");
  await db().insert(llmChatTurns).values({
    merchantId,
    channel: "web",
    chatId: chat.userId,
    memberId: m.id,
    userText: "my phone is 0912 000 104",
    replyText: "Hi An",
    createdAt: s.clock.now(),
  });
  return { m, chat };
}

describe("export and erasure", () => {
  it("exports everything, erases identity keeping amounts, idempotently; the export afterwards holds no identity", async () => {
    const { api, merchantId } = await s.merchant();
    const { m, chat } = await memberWithHistory(api, merchantId, "0912000104");
    const ex = await api("GET", `/v1/members/${m.id}/export`);
    expect(ex.status).toBe(200);
    expect(ex.headers.get("cache-control")).toContain("no-store");
    expect(ex.body.member).toMatchObject({
      id: m.id,
      phone: "+84912000104",
      name: "Nguyễn Văn An",
      birthday: "1990-04-05",
    });
    expect(ex.body.chats).toHaveLength(1);
    expect(ex.body.orders).toHaveLength(1);
    expect(ex.body.orderItems).toHaveLength(1);
    expect(ex.body.ledger.length).toBe(2);
    expect(ex.body.lots.length).toBe(2);
    expect(ex.body.consents.length).toBe(2);
    expect(ex.body.conversationMemory).toHaveLength(1);
    const balance = (await api("GET", `/v1/members/${m.id}`)).body;

    const erased = await api("POST", `/v1/members/${m.id}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body.removed).toMatchObject({ chats: 1, conversationTurns: 1 });
    expect(erased.body.kept).toMatchObject({ orders: 1, ledgerEntries: 2, pointsTotal: ex.body.member.pointsTotal });

    const again = await api("POST", `/v1/members/${m.id}/erase`);
    expect(again.status).toBe(200);
    expect(again.body.erasedAt).toBe(erased.body.erasedAt);
    expect(again.body.removed).toEqual({ chats: 0, conversationTurns: 0, linkCodes: 0, messageTexts: 0 });
    expect(again.body.kept).toEqual(erased.body.kept);

    const after = await api("GET", `/v1/members/${m.id}/export`);
    expect(after.body.member).toMatchObject({
      phone: null,
      email: null,
      name: null,
      birthday: null,
      externalId: null,
      optedIn: false,
    });
    expect(after.body.chats).toEqual([]);
    expect(after.body.conversationMemory).toEqual([]);
    expect(after.body.chatSettings).toEqual([]);
    expect(after.body.orders).toHaveLength(1);
    expect(after.body.ledger).toEqual(ex.body.ledger);
    expect(JSON.stringify(after.body)).not.toMatch(/0912|84912|Nguyễn|1990-04-05/);
    // Balances unchanged; the chat is no longer linked; the phone is free for a new member.
    const view = (await api("GET", `/v1/members/${m.id}`)).body;
    expect(view.balance).toBe(balance.balance);
    expect(view.channels).toEqual([]);
    const idents = await db().select().from(channelIdentities).where(eq(channelIdentities.memberId, m.id));
    expect(idents).toEqual([]);
    expect((await chat.conv.handle(chat.input({ text: "/points" })))[0]!.text).not.toMatch(/points\./);
    expect((await api("POST", "/v1/members", { phone: "0912000104" })).status).toBe(201);
    // Consent history: the withdrawal on erasure is recorded.
    const consents = (await api("GET", `/v1/members/${m.id}/consents`)).body;
    expect(consents.current.marketing).toBe(false);
    // Tenant scope.
    const other = await s.merchant("Other 2");
    expect((await other.api("GET", `/v1/members/${m.id}/export`)).status).toBe(404);
    expect((await other.api("POST", `/v1/members/${m.id}/erase`)).status).toBe(404);
  });

  it("/mydata summarises, /deleteme asks and the confirm button erases and unlinks the chat", async () => {
    const { api, merchantId } = await s.merchant();
    const { m, chat } = await memberWithHistory(api, merchantId, "0912000105");
    const mine = await chat.conv.handle(chat.input({ text: "/mydata" }));
    expect(mine[0]!.text).toContain("name, phone number, birthday");
    expect(mine[0]!.text).toContain("1 order(s)");
    const ask = await chat.conv.handle(chat.input({ text: "/deleteme" }));
    expect(ask[0]!.buttons?.[0]?.[0]?.data).toBe("del:y");
    expect((await db().select().from(members).where(eq(members.id, m.id)))[0]!.name).toBe("Nguyễn Văn An");
    const done = await chat.conv.handle(chat.input({ button: "del:y" }));
    expect(done[0]!.text).toMatch(/erased/);
    const [row] = await db().select().from(members).where(eq(members.id, m.id));
    expect(row).toMatchObject({ name: null, phone: null, birthday: null });
    expect(row!.erasedAt).toBeInstanceOf(Date);
    expect(
      await db().$count(
        channelIdentities,
        and(eq(channelIdentities.memberId, m.id), eq(channelIdentities.merchantId, merchantId)),
      ),
    ).toBe(0);
  });
});

describe("audit log", () => {
  it("records each kind of write with its key, settings with before/after; filters and pages; reads are not recorded", async () => {
    const { api } = await s.merchant();
    const t0 = s.clock.now();
    const m = (await api("POST", "/v1/members", { phone: "0912000106" })).body;
    await api("PATCH", `/v1/members/${m.id}`, { name: "Hoa" });
    await api("POST", `/v1/members/${m.id}/adjustments`, { points: 10, reason: "x" });
    await api("POST", "/v1/orders", {
      externalId: "a-1",
      memberId: m.id,
      items: [{ sku: "A", quantity: 1, unitPrice: 1000 }],
    });
    const reward = (await api("POST", "/v1/rewards", { name: "Cup", cost: 5, kind: "perk" })).body;
    await api("PATCH", `/v1/rewards/${reward.id}`, { cost: 6 });
    const before = (await api("GET", "/v1/program")).body;
    const put = await api("PUT", "/v1/program", { ...before, pendingDays: 3 });
    expect(put.status).toBe(200);
    await api("PUT", "/v1/privacy/settings", { conversationMemoryDays: 7 });
    await api("POST", `/v1/members/${m.id}/link-codes`);
    await api("POST", `/v1/members/${m.id}/erase`);
    await api("POST", "/v1/members", { phone: "not a phone" }); // 400: not recorded
    await api("GET", "/v1/members");

    const log = (await api("GET", "/v1/audit-log")).body;
    const actions = log.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual([
      "POST /v1/members/:id/erase",
      "POST /v1/members/:id/link-codes",
      "PUT /v1/privacy/settings",
      "PUT /v1/program",
      "PATCH /v1/rewards/:id",
      "POST /v1/rewards",
      "POST /v1/orders",
      "POST /v1/members/:id/adjustments",
      "PATCH /v1/members/:id",
      "POST /v1/members",
    ]);
    for (const e of log.entries) {
      expect(e.actor).toMatch(/^key:/);
      expect(e.status).toBeGreaterThanOrEqual(200);
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(t0.getTime());
    }
    const program = log.entries.find((e: { action: string }) => e.action === "PUT /v1/program");
    expect(program.before).toEqual(before);
    expect(program.after).toEqual(put.body);
    expect([program.before.pendingDays, program.after.pendingDays]).toEqual([0, 3]);
    const privacy = log.entries.find((e: { action: string }) => e.action === "PUT /v1/privacy/settings");
    expect(privacy.before).toEqual({ conversationMemoryDays: 30, deliveryLogDays: 180 });
    expect(privacy.after).toEqual({ conversationMemoryDays: 7, deliveryLogDays: 180 });
    expect(log.entries.find((e: { action: string }) => e.action === "POST /v1/orders").before).toBeNull();

    const filtered = (await api("GET", `/v1/audit-log?action=${encodeURIComponent("POST /v1/members*")}`)).body;
    expect(filtered.entries).toHaveLength(4);
    const page1 = (await api("GET", "/v1/audit-log?limit=3")).body;
    const page2 = (await api("GET", `/v1/audit-log?limit=3&before=${page1.next}`)).body;
    expect([...page1.entries, ...page2.entries].map((e: { id: string }) => e.id)).toEqual(
      log.entries.slice(0, 6).map((e: { id: string }) => e.id),
    );
    const future = new Date(s.clock.now().getTime() + 3_600_000).toISOString();
    expect((await api("GET", `/v1/audit-log?from=${encodeURIComponent(future)}`)).body.entries).toEqual([]);
    expect((await api("GET", "/v1/audit-log?from=yesterday")).status).toBe(400);
    // Another merchant sees none of it.
    const other = await s.merchant("Other 3");
    expect((await other.api("GET", "/v1/audit-log")).body.entries).toEqual([]);
  });
});

describe("retention", () => {
  it("the hourly job purges conversation memory and blanks delivery logs past the merchant's settings", async () => {
    const { api, merchantId } = await s.merchant();
    const m = (await api("POST", "/v1/members", { phone: "0912000107" })).body;
    const bad = await api("PUT", "/v1/privacy/settings", { deliveryLogDays: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("deliveryLogDays");
    expect((await api("PUT", "/v1/privacy/settings", { conversationMemoryDays: 1, deliveryLogDays: 2 })).status).toBe(
      200,
    );
    const now = s.clock.now();
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    const turn = { merchantId, channel: "web", chatId: "c1", memberId: m.id, userText: "hi", replyText: "hello" };
    await db()
      .insert(llmChatTurns)
      .values([
        { ...turn, createdAt: daysAgo(2) },
        { ...turn, createdAt: daysAgo(0.5) },
      ]);
    const d = {
      merchantId,
      source: "campaign" as const,
      campaignId: "cmp_x",
      memberId: m.id,
      channel: "web",
      notBefore: daysAgo(5),
    };
    await db()
      .insert(deliveries)
      .values([
        { ...d, sourceKey: "old", chatId: "c1", status: "sent", text: "Hi Lan", messageId: "1", updatedAt: daysAgo(3) },
        { ...d, sourceKey: "new", chatId: "c1", status: "sent", text: "Hi Lan", messageId: "2", updatedAt: daysAgo(1) },
        { ...d, sourceKey: "queued", chatId: "c1", status: "queued", updatedAt: daysAgo(3) },
      ]);
    await runScheduledJobs(db(), now, silentLogger, ["retention"]);
    const turns = await db().select().from(llmChatTurns).where(eq(llmChatTurns.merchantId, merchantId));
    expect(turns.map((t) => t.createdAt)).toEqual([daysAgo(0.5)]);
    const rows = await db().select().from(deliveries).where(eq(deliveries.merchantId, merchantId));
    const by = Object.fromEntries(rows.map((r) => [r.sourceKey, r]));
    expect(by.old).toMatchObject({ status: "sent", text: null, chatId: "", messageId: null });
    expect(by.new).toMatchObject({ text: "Hi Lan", chatId: "c1" });
    expect(by.queued).toMatchObject({ status: "queued", chatId: "c1" });
    // Idempotent; the API runs the same purge.
    expect((await api("POST", "/v1/jobs/retention")).body).toEqual({
      conversationTurns: 0,
      deliveryLogs: 0,
      outboxMessages: 0,
    });
  });
});

describe("console member page", () => {
  async function consolePost(path: string, data: Record<string, string>, cookie = "") {
    return fetch(s.url + path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: s.url },
      body: new URLSearchParams(data).toString(),
      redirect: "manual",
    });
  }

  it("downloads the member's data and erases it behind a confirm box; the audit log names the console session's key", async () => {
    const { api, apiKey } = await s.merchant();
    const m = (await api("POST", "/v1/members", { phone: "0912000108", name: "Thu" })).body;
    const signIn = await consolePost("/console/sign-in", { apiKey });
    const cookie = `cl_session=${/cl_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")![1]}`;
    const page = await (await fetch(`${s.url}/console/members/${m.id}`, { headers: { cookie } })).text();
    expect(page).toContain('id="personal-data"');
    expect(page).toContain(`/console/members/${m.id}/export`);
    const ex = await fetch(`${s.url}/console/members/${m.id}/export`, { headers: { cookie } });
    expect(ex.headers.get("content-disposition")).toContain("attachment");
    expect((await ex.json()).member.name).toBe("Thu");

    const unconfirmed = await consolePost(`/console/members/${m.id}/erase`, {}, cookie);
    expect(unconfirmed.status).toBe(400);
    expect((await api("GET", `/v1/members/${m.id}`)).body.name).toBe("Thu");
    const erased = await consolePost(`/console/members/${m.id}/erase`, { confirm: "yes" }, cookie);
    expect(erased.status).toBe(200);
    expect(await erased.text()).toContain('id="erased"');
    expect((await api("GET", `/v1/members/${m.id}`)).body).toMatchObject({ name: null, phone: null });

    const log = (await api("GET", "/v1/audit-log")).body.entries;
    expect(log[0]).toMatchObject({
      action: "POST /console/members/:id/erase",
      target: `/console/members/${m.id}/erase`,
    });
    expect(log[0].actor).toMatch(/^console:key_/);
  });
});
