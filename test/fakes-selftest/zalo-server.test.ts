import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeZaloServer, ZALO_TEST_TOKEN, zaloTextUpdate } from "../fakes/zalo-server.ts";

let zalo: FakeZaloServer;

async function call(method: string, body?: unknown, token = ZALO_TEST_TOKEN) {
  const res = await fetch(`${zalo.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  zalo = await FakeZaloServer.start({ maxLongPollMs: 300 });
});
afterAll(async () => {
  await zalo.close();
});
beforeEach(() => zalo.reset());

describe("fake Zalo Bot API", () => {
  it("getMe in the envelope; unknown token → 401", async () => {
    expect(await call("getMe")).toEqual({
      status: 200,
      body: {
        ok: true,
        result: {
          id: "1459232241454765289",
          account_name: "bot.LoyaltyTest",
          account_type: "BASIC",
          can_join_groups: false,
        },
      },
    });
    expect(await call("getMe", {}, "1:wrong")).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" },
    });
  });

  it("sendMessage validates 1–2000 chars and returns {message_id, date}", async () => {
    const ok = await call("sendMessage", { chat_id: "u1", text: "Xin chào" });
    expect(ok.body.ok).toBe(true);
    expect(typeof ok.body.result.message_id).toBe("string");
    expect(ok.body.result.date).toBeGreaterThan(1_600_000_000_000); // epoch ms
    expect((await call("sendMessage", { chat_id: "u1", text: "x".repeat(2000) })).status).toBe(200);
    const long = await call("sendMessage", { chat_id: "u1", text: "x".repeat(2001) });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ ok: false, error_code: 400 });
    expect((await call("sendMessage", { chat_id: "u1", text: "" })).status).toBe(400);
    expect((await call("sendMessage", { text: "x" })).status).toBe(400);
    expect(zalo.sentMessages("u1").map((p) => p.text)).toHaveLength(2);
  });

  it("sendPhoto, sendChatAction ({ok:true} without result)", async () => {
    expect((await call("sendPhoto", { chat_id: "u1", photo: "https://x.example/a.png", caption: "c" })).body.ok).toBe(
      true,
    );
    expect(await call("sendChatAction", { chat_id: "u1", action: "typing" })).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect((await call("sendChatAction", { chat_id: "u1", action: "dancing" })).status).toBe(400);
  });

  it("setWebhook requires https and an 8–256 char secret; getWebhookInfo/deleteWebhook", async () => {
    expect((await call("setWebhook", { url: "http://x.example/h", secret_token: "12345678" })).status).toBe(400);
    expect((await call("setWebhook", { url: "https://x.example/h", secret_token: "short" })).status).toBe(400);
    expect((await call("setWebhook", { url: "https://x.example/h", secret_token: "s".repeat(257) })).status).toBe(400);
    const set = await call("setWebhook", { url: "https://x.example/h", secret_token: "12345678" });
    expect(set.body.result).toMatchObject({ url: "https://x.example/h", updated_at: expect.any(Number) });
    expect((await call("getWebhookInfo")).body.result.url).toBe("https://x.example/h");
    expect((await call("getUpdates", { timeout: "1" })).status).toBe(409);
    expect((await call("deleteWebhook")).body.result).toMatchObject({ url: "" });
    expect((await call("getWebhookInfo")).body.result.url).toBe("");
  });

  it("getUpdates returns one update, or 408 when nothing new", async () => {
    zalo.pushUpdate(zaloTextUpdate("Xin chào", { id: "u9" }));
    const r = await call("getUpdates", { timeout: "1" });
    expect(r.body).toMatchObject({
      ok: true,
      result: { event_name: "message.text.received", message: { text: "Xin chào" } },
    });
    const t0 = Date.now();
    const empty = await call("getUpdates", { timeout: "1" }); // capped at maxLongPollMs = 300
    expect(empty).toEqual({ status: 408, body: { ok: false, error_code: 408, description: "Request timeout" } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("failNext 429 carries parameters.retry_after; blocked → 403", async () => {
    zalo.failNext("sendMessage", { status: 429, retryAfter: 3 });
    const r = await call("sendMessage", { chat_id: "u1", text: "a" });
    expect(r).toEqual({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 3",
        parameters: { retry_after: 3 },
      },
    });
    zalo.blockChat("u2");
    expect((await call("sendMessage", { chat_id: "u2", text: "a" })).status).toBe(403);
    expect((await call("sendMessage", { chat_id: "u1", text: "a" })).status).toBe(200);
  });

  it("enforceRate counts its 429s", async () => {
    zalo.enforceRate({ perSecond: 3 });
    const rs = [];
    for (let i = 0; i < 5; i++) rs.push(await call("sendMessage", { chat_id: `c${i}`, text: "x" }));
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(rs[3]?.body.parameters.retry_after).toBe(1);
    expect(zalo.rateLimitHits).toBe(2);
  });
});
