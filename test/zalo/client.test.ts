import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ZaloApiError, ZaloClient } from "../../bots/zalo/client.ts";
import type { ZaloRetryInfo } from "../../bots/zalo/client.ts";
import { BotApiError } from "../fakes/bot-api-base.ts";
import { FakeZaloServer, ZALO_TEST_TOKEN, zaloImageUpdate, zaloTextUpdate } from "../fakes/zalo-server.ts";

const SECRET = ZALO_TEST_TOKEN.split(":")[1] as string;
let zalo: FakeZaloServer;

function client(extra: Partial<ConstructorParameters<typeof ZaloClient>[0]> = {}) {
  return new ZaloClient({ token: ZALO_TEST_TOKEN, apiRoot: zalo.url, retryBaseDelayMs: 20, ...extra });
}

async function caught(p: Promise<unknown>): Promise<ZaloApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ZaloApiError);
    return err as ZaloApiError;
  }
  throw new Error("expected a ZaloApiError");
}

beforeAll(async () => {
  zalo = await FakeZaloServer.start({ maxLongPollMs: 200 });
});
afterAll(async () => {
  await zalo.close();
});
beforeEach(() => zalo.reset());

describe("ZaloClient against the fake Zalo server", () => {
  it("getMe", async () => {
    const me = await client().getMe();
    expect(me).toMatchObject({ id: "1459232241454765289", account_type: "BASIC", can_join_groups: false });
    expect(zalo.callsOf("getMe")).toHaveLength(1);
  });

  it("setWebhook / getWebhookInfo / deleteWebhook", async () => {
    const c = client();
    const set = await c.setWebhook({ url: "https://shop.example/webhooks/zalo", secret_token: "s3cret-123" });
    expect(set).toMatchObject({ url: "https://shop.example/webhooks/zalo", updated_at: expect.any(Number) });
    expect(zalo.callsOf("setWebhook")[0]?.payload).toEqual({
      url: "https://shop.example/webhooks/zalo",
      secret_token: "s3cret-123",
    });
    expect((await c.getWebhookInfo()).url).toBe("https://shop.example/webhooks/zalo");
    expect((await c.deleteWebhook()).url).toBe("");
    expect((await c.getWebhookInfo()).url).toBe("");
    // client-side validation, nothing sent
    const bad = await caught(c.setWebhook({ url: "https://x.example", secret_token: "short" }));
    expect(bad.kind).toBe("invalid_request");
    expect(zalo.callsOf("setWebhook")).toHaveLength(1);
  });

  it("sendMessage / sendPhoto / sendChatAction", async () => {
    const c = client();
    const sent = await c.sendMessage({ chat_id: "u1", text: "Dạ, bạn có 1.250 điểm." });
    expect(typeof sent.message_id).toBe("string");
    expect(sent.date).toBeGreaterThan(1_600_000_000_000);
    const photo = await c.sendPhoto({ chat_id: "u1", photo: "https://cdn.example/p.png", caption: "Ưu đãi" });
    expect(photo.message_id).not.toBe(sent.message_id);
    expect(await c.sendChatAction({ chat_id: "u1", action: "typing" })).toBe(true);
    expect(zalo.succeeded().map((x) => x.method)).toEqual(["sendMessage", "sendPhoto", "sendChatAction"]);
    expect(zalo.callsOf("sendPhoto")[0]?.payload).toEqual({
      chat_id: "u1",
      photo: "https://cdn.example/p.png",
      caption: "Ưu đãi",
    });
    const tooLong = await caught(c.sendMessage({ chat_id: "u1", text: "x".repeat(2001) }));
    expect(tooLong.kind).toBe("invalid_request");
  });

  it("sendLongText splits at 2000 characters", async () => {
    const para = `${"Câu chuyện dài. ".repeat(80).trim()}`; // ~1280 chars
    const sent = await client().sendLongText("u1", `${para}\n\n${para}\n\n${para}`);
    expect(sent).toHaveLength(3);
    for (const p of zalo.sentMessages("u1")) expect((p.text as string).length).toBeLessThanOrEqual(2000);
  });

  it("getUpdates returns the update, and [] on 408 (HTTP 408 or HTTP 200)", async () => {
    const c = client();
    zalo.pushUpdate(zaloTextUpdate("Xin chào", { id: "u5", display_name: "Lan" }));
    const [u] = await c.getUpdates({ timeout: 1 });
    expect(u).toMatchObject({ kind: "text", message: { text: "Xin chào", from: { id: "u5", display_name: "Lan" } } });
    expect(zalo.callsOf("getUpdates")[0]?.payload).toEqual({ timeout: "1" });
    expect(await c.getUpdates({ timeout: 1 })).toEqual([]);

    const z200 = await FakeZaloServer.start({ pollTimeoutHttpStatus: 200, maxLongPollMs: 50 });
    try {
      const c2 = new ZaloClient({ token: ZALO_TEST_TOKEN, apiRoot: z200.url });
      expect(await c2.getUpdates({ timeout: 1 })).toEqual([]);
      z200.pushUpdate(zaloImageUpdate("https://img.example/a.jpg"));
      expect((await c2.getUpdates({ timeout: 1 }))[0]).toMatchObject({
        kind: "image",
        photoUrl: "https://img.example/a.jpg",
      });
    } finally {
      await z200.close();
    }
  });

  it("429: waits retry_after, then retries and succeeds", async () => {
    const retries: ZaloRetryInfo[] = [];
    const c = client({ onRetry: (i) => retries.push(i) });
    zalo.failNext("sendMessage", { status: 429, retryAfter: 1 });
    const t0 = Date.now();
    await c.sendMessage({ chat_id: "u1", text: "hi" });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    const calls = zalo.callsOf("sendMessage");
    expect(calls.map((x) => x.status)).toEqual([429, 200]);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ method: "sendMessage", attempt: 1, delayMs: 1000 });
    expect(retries[0]?.error.retryAfter).toBe(1);
  });

  it("429 longer than maxRetryDelaySeconds is thrown at once with retryAfter", async () => {
    zalo.failNext("sendMessage", { status: 429, retryAfter: 30 });
    const err = await caught(client({ maxRetryDelaySeconds: 5 }).sendMessage({ chat_id: "u1", text: "hi" }));
    expect(err.isRateLimited).toBe(true);
    expect(err.retryAfter).toBe(30);
    expect(err.errorCode).toBe(429);
    expect(zalo.callsOf("sendMessage")).toHaveLength(1);
  });

  it("5xx is retried with backoff; gives up after maxRetries", async () => {
    zalo.failNext("sendMessage", { status: 500, times: 2 });
    const sent = await client().sendMessage({ chat_id: "u1", text: "hi" });
    expect(sent.message_id).toBeTruthy();
    expect(zalo.callsOf("sendMessage").map((x) => x.status)).toEqual([500, 500, 200]);

    zalo.reset();
    zalo.failNext("getMe", { status: 502, times: 10 });
    const err = await caught(client({ maxRetries: 2 }).getMe());
    expect(err.errorCode).toBe(502);
    expect(err.isTransient).toBe(true);
    expect(zalo.callsOf("getMe")).toHaveLength(3);
  });

  it("403 → blocked error, not retried", async () => {
    zalo.blockChat("u-blocked");
    const err = await caught(client().sendMessage({ chat_id: "u-blocked", text: "hi" }));
    expect(err.blocked).toBe(true);
    expect(err.errorCode).toBe(403);
    expect(err.method).toBe("sendMessage");
    expect(err.description).toBe("Forbidden: bot was blocked by the user");
    expect(zalo.callsOf("sendMessage")).toHaveLength(1);
  });

  it("other 4xx errors are typed and not retried", async () => {
    const err = await caught(new ZaloClient({ token: "1:wrongsecret", apiRoot: zalo.url }).getMe());
    expect(err).toMatchObject({ method: "getMe", errorCode: 401, description: "Unauthorized", blocked: false });
    expect(zalo.callsOf("getMe")).toHaveLength(1);
  });

  it("never leaks the token: server descriptions, bad bodies, network errors, inspect/JSON", async () => {
    zalo.handle("sendMessage", (ctx) => {
      throw new BotApiError(400, `Bad Request: token ${ctx.token} is not allowed here (${ctx.token.split(":")[1]})`);
    });
    try {
      const e1 = await caught(client().sendMessage({ chat_id: "u1", text: "hi" }));
      expect(e1.message).not.toContain(SECRET);
      expect(e1.description).not.toContain(SECRET);
      expect(e1.message).toContain("<redacted>");
      expect(String(e1.stack)).not.toContain(SECRET);
    } finally {
      zalo.handle("sendMessage", () => ({ message_id: "x", date: Date.now() }));
    }

    const htmlFetch = async (url: string) =>
      new Response(`<html>502 Bad Gateway for ${url}</html>`, {
        status: 502,
        headers: { "content-type": "text/html" },
      });
    const e2 = await caught(client({ fetch: htmlFetch, maxRetries: 0 }).getMe());
    expect(e2.httpStatus).toBe(502);
    expect(e2.message).not.toContain(SECRET);
    expect(e2.message).toContain("<redacted>");

    const failingFetch = async (url: string) => {
      throw new TypeError(`fetch failed for ${url}`, { cause: new Error(`connect ECONNREFUSED ${url}`) });
    };
    const e3 = await caught(client({ fetch: failingFetch, maxRetries: 1 }).getMe());
    expect(e3.kind).toBe("network");
    expect(e3.message).not.toContain(SECRET);
    expect(e3.message).toContain("ECONNREFUSED");

    const c = client();
    expect(inspect(c, { depth: 5 })).not.toContain(SECRET);
    expect(JSON.stringify(c)).not.toContain(SECRET);
    expect(c.botId).toBe("1459232241454765289");
  });

  it("times out a slow request (kind timeout) and retries it", async () => {
    zalo.setLatency(300);
    const err = await caught(client({ timeoutMs: 50, maxRetries: 1 }).getMe());
    expect(err.kind).toBe("timeout");
    expect(zalo.callsOf("getMe")).toHaveLength(2);
  });

  it("rejects a malformed success result", async () => {
    zalo.handle("getMe", () => ({ nope: true }));
    try {
      const err = await caught(client().getMe());
      expect(err.kind).toBe("invalid_response");
    } finally {
      zalo.handle("getMe", () => zalo.botInfo);
    }
  });
});
