import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeTelegramServer, TELEGRAM_TEST_TOKEN, telegramTextUpdate } from "../fakes/telegram-server.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { waitFor } from "../helpers/wait.ts";

let tg: FakeTelegramServer;

async function call(method: string, body?: unknown, token = TELEGRAM_TEST_TOKEN) {
  const res = await fetch(`${tg.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  tg = new FakeTelegramServer();
  const started = await tg.start();
  expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});
afterAll(async () => {
  await tg.close();
});
beforeEach(() => tg.reset());

describe("fake Telegram Bot API", () => {
  it("answers getMe in the envelope with the configured bot", async () => {
    const r = await call("getMe");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ok: true,
      result: expect.objectContaining({ is_bot: true, username: "loyalty_test_bot" }),
    });
  });

  it("accepts GET with a query string and form bodies", async () => {
    const g = await fetch(`${tg.url}/bot${TELEGRAM_TEST_TOKEN}/sendMessage?chat_id=7&text=hi`);
    expect(((await g.json()) as any).result.text).toBe("hi");
    const f = await fetch(`${tg.url}/bot${TELEGRAM_TEST_TOKEN}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({
        chat_id: "7",
        text: "form",
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "A", callback_data: "a" }]] }),
      }),
    });
    const fb = (await f.json()) as any;
    expect(fb.result.reply_markup.inline_keyboard[0][0].callback_data).toBe("a");
    const fd = new FormData();
    fd.set("chat_id", "7");
    fd.set("photo", new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" }), "p.png");
    fd.set("caption", "multipart");
    const m = await fetch(`${tg.url}/bot${TELEGRAM_TEST_TOKEN}/sendPhoto`, { method: "POST", body: fd });
    const mb = (await m.json()) as any;
    expect(mb.ok).toBe(true);
    expect(mb.result.caption).toBe("multipart");
    expect(tg.callsOf("sendPhoto")[0]?.payload.photo).toMatchObject({ filename: "p.png", size: 3 });
  });

  it("answers 401 Unauthorized for an unknown token", async () => {
    const r = await call("getMe", {}, "999:nope");
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
  });

  it("sendMessage validates text and chat_id and returns a Message with increasing ids", async () => {
    const a = await call("sendMessage", { chat_id: 42, text: "xin chào" });
    const b = await call("sendMessage", {
      chat_id: "42",
      text: "two",
      reply_markup: { inline_keyboard: [[{ text: "OK", callback_data: "ok" }]] },
    });
    expect(a.body.result).toMatchObject({ chat: { id: 42, type: "private" }, text: "xin chào" });
    expect(typeof a.body.result.date).toBe("number");
    expect(b.body.result.message_id).toBeGreaterThan(a.body.result.message_id);
    expect(b.body.result.reply_markup).toEqual({ inline_keyboard: [[{ text: "OK", callback_data: "ok" }]] });

    expect(await call("sendMessage", { chat_id: 42, text: "" })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: "Bad Request: message text is empty" },
    });
    const long = await call("sendMessage", { chat_id: 42, text: "x".repeat(4097) });
    expect(long.body.description).toBe("Bad Request: message is too long");
    expect((await call("sendMessage", { chat_id: 42, text: "x".repeat(4096) })).status).toBe(200);
    expect((await call("sendMessage", { text: "no chat" })).body.description).toBe("Bad Request: chat_id is empty");
  });

  it("edits messages and refuses a no-op edit", async () => {
    const sent = await call("sendMessage", { chat_id: 5, text: "v1" });
    const id = sent.body.result.message_id;
    const e = await call("editMessageText", { chat_id: 5, message_id: id, text: "v2" });
    expect(e.body.result).toMatchObject({ message_id: id, text: "v2" });
    const same = await call("editMessageText", { chat_id: 5, message_id: id, text: "v2" });
    expect(same.status).toBe(400);
    expect(same.body.description).toMatch(/message is not modified/);
    const rm = await call("editMessageReplyMarkup", {
      chat_id: 5,
      message_id: id,
      reply_markup: { inline_keyboard: [[{ text: "x", callback_data: "x" }]] },
    });
    expect(rm.body.result.reply_markup.inline_keyboard).toHaveLength(1);
  });

  it("handles commands, webhook and misc methods, and records everything", async () => {
    expect((await call("setMyCommands", { commands: [{ command: "points", description: "Điểm" }] })).body.result).toBe(
      true,
    );
    expect((await call("setMyCommands", { commands: [{ command: "Bad Name", description: "x" }] })).status).toBe(400);
    expect((await call("setWebhook", { url: "http://insecure.example/hook" })).status).toBe(400);
    expect((await call("setWebhook", { url: "https://ex.example/hook", secret_token: "bad secret!" })).status).toBe(
      400,
    );
    expect((await call("setWebhook", { url: "https://ex.example/hook", secret_token: "s3cr3t_-" })).body.result).toBe(
      true,
    );
    expect((await call("getWebhookInfo")).body.result).toMatchObject({
      url: "https://ex.example/hook",
      pending_update_count: 0,
    });
    expect((await call("getUpdates")).status).toBe(409);
    expect((await call("deleteWebhook")).body.result).toBe(true);
    expect((await call("answerCallbackQuery", { callback_query_id: "q1", text: "Done" })).body.result).toBe(true);
    expect((await call("sendChatAction", { chat_id: 1, action: "typing" })).body.result).toBe(true);
    expect((await call("setMessageReaction", { chat_id: 1, message_id: 1 })).body).toEqual({ ok: true, result: true });
    expect(tg.callsOf().map((c) => c.method)).toContain("setMessageReaction");
    expect(tg.commands).toEqual([{ command: "points", description: "Điểm" }]);
    const rec = tg.callsOf("sendChatAction")[0];
    expect(rec).toMatchObject({ method: "sendChatAction", payload: { chat_id: 1, action: "typing" }, ok: true });
    expect(typeof rec?.at).toBe("number");
  });

  it("serves queued updates to getUpdates with long polling and offsets", async () => {
    const pending = call("getUpdates", { timeout: 5 });
    await waitFor("getUpdates to be long-polling", () => tg.waitingRequests > 0);
    tg.pushUpdate(telegramTextUpdate("/start ABC", { id: 9 }));
    const r = await pending;
    expect(r.body.result).toHaveLength(1);
    const id = r.body.result[0].update_id as number;
    expect((await call("getUpdates", { offset: id + 1 })).body.result).toEqual([]);
  });

  it("waitFor resolves on a future call and times out otherwise", async () => {
    const waiting = tg.waitFor((c) => c.method === "sendMessage" && c.chatId === "77", 1000);
    await call("sendMessage", { chat_id: 77, text: "hello" });
    expect((await waiting).payload.text).toBe("hello");
    await expect(tg.waitFor((c) => c.method === "never", 50)).rejects.toThrow(/timed out/);
  });

  it("failNext answers 429 with retry_after, then 500, then recovers", async () => {
    tg.failNext("sendMessage", { status: 429, retryAfter: 2 });
    tg.failNext("sendMessage", { status: 500 });
    const r1 = await call("sendMessage", { chat_id: 1, text: "a" });
    expect(r1.status).toBe(429);
    expect(r1.body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 2",
      parameters: { retry_after: 2 },
    });
    const r2 = await call("sendMessage", { chat_id: 1, text: "a" });
    expect(r2).toEqual({ status: 500, body: { ok: false, error_code: 500, description: "Internal Server Error" } });
    expect((await call("sendMessage", { chat_id: 1, text: "a" })).status).toBe(200);
    expect(tg.count429()).toBe(1);
    expect(tg.rateLimitHits).toBe(0);
  });

  it("blockChat answers 403 for that chat only", async () => {
    tg.blockChat(13);
    const r = await call("sendMessage", { chat_id: 13, text: "hi" });
    expect(r).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" },
    });
    expect((await call("sendMessage", { chat_id: 14, text: "hi" })).status).toBe(200);
  });

  it("enforceRate answers 429 beyond the per-chat and global sliding windows and counts them", async () => {
    tg.enforceRate({ perSecond: 5, perChatPerSecond: 1 });
    // per chat: the second message to one chat inside a second is refused
    expect((await call("sendMessage", { chat_id: 100, text: "1" })).status).toBe(200);
    const again = await call("sendMessage", { chat_id: 100, text: "2" });
    expect(again.status).toBe(429);
    expect(again.body.parameters.retry_after).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(again.body.parameters.retry_after)).toBe(true);
    // global: 5 per window, 4 more distinct chats fill it, the next is refused
    const results = await Promise.all(
      [101, 102, 103, 104, 105, 106].map((chat_id) => call("sendMessage", { chat_id, text: "x" })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(tg.rateLimitHits).toBe(3);
    expect(tg.count429()).toBe(3);
    // chat actions are not counted by default
    expect((await call("sendChatAction", { chat_id: 100, action: "typing" })).status).toBe(200);
  });

  it("paced sends within the limits are never refused", async () => {
    // The fake's rate windows run on its clock: a FakeClock paces the sends exactly, without sleeping.
    const clock = new FakeClock();
    const paced = await FakeTelegramServer.start({ now: () => clock.now().getTime() });
    try {
      paced.enforceRate({ perSecond: 20, perChatPerSecond: 1 });
      for (let i = 0; i < 30; i++) {
        if (i > 0) clock.advance(60); // ~16.7/s
        const res = await fetch(`${paced.url}/bot${TELEGRAM_TEST_TOKEN}/sendMessage`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ chat_id: 1000 + i, text: "x" }),
        });
        expect(res.status).toBe(200);
      }
      expect(paced.rateLimitHits).toBe(0);
    } finally {
      await paced.close();
    }
  });

  it("adds artificial latency", async () => {
    tg.setLatency(120);
    const t0 = Date.now();
    await call("getMe");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });
});
