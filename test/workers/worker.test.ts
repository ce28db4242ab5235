/**
 * The Workers build in real workerd (wrangler dev) against the real local Postgres (Hyperdrive local mode):
 * health, orders and points, a Telegram webhook answered through the fake Bot API, the scheduled expiry job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { startWorker, type RunningWorker } from "../helpers/wrangler.ts";
import { waitFor } from "../helpers/wait.ts";
import { apiClient, type Api } from "../helpers/server.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { FakeTelegramServer, TELEGRAM_TEST_TOKEN, telegramTextUpdate } from "../fakes/telegram-server.ts";
import { channelIdentities, members } from "../../src/db/schema.ts";

let d: TestDatabase;
let w: RunningWorker;
let tg: FakeTelegramServer;
let api: Api;
let merchantId: string;
let apiKey: string;
const SECRET = "worker-webhook-secret_123";

beforeAll(async () => {
  d = await openTestDatabase();
  const m = await createMerchant(d.db, { name: "Worker shop" });
  merchantId = m.merchantId;
  apiKey = m.apiKey;
  api = (...args) => apiClient(w.url, m.apiKey)(...args);
  tg = await FakeTelegramServer.start();
  w = await startWorker({
    databaseUrl: d.url!,
    vars: {
      TELEGRAM_BOT_TOKEN: TELEGRAM_TEST_TOKEN,
      TELEGRAM_API_ROOT: tg.url,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      DEFAULT_MERCHANT_ID: m.merchantId,
      LOG_LEVEL: "warn",
    },
  });
}, 120_000);

afterAll(async () => {
  await w?.stop();
  await tg?.close();
  await d?.close();
});

describe("Worker in workerd", () => {
  it("answers /healthz and serves the OpenAPI document", async () => {
    const h = await fetch(`${w.url}/healthz`);
    expect(await h.json()).toEqual({ status: "ok" });
    const doc = await (await fetch(`${w.url}/v1/openapi.json`)).json();
    expect((doc as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("serves the merchant console: assets, sign-in to a database session, a page, sign-out", async () => {
    const js = await fetch(`${w.url}/console/assets/htmx.min.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toContain("htmx");
    const signIn = await fetch(`${w.url}/console/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: w.url },
      body: new URLSearchParams({ apiKey }).toString(),
      redirect: "manual",
    });
    expect(signIn.status).toBe(303);
    const cookie = /cl_session=[^;]+/.exec(signIn.headers.get("set-cookie") ?? "")![0];
    const page = await fetch(`${w.url}/console/members`, { headers: { cookie }, redirect: "manual" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('id="q"');
    const out = await fetch(`${w.url}/console/sign-out`, {
      method: "POST",
      headers: { cookie, origin: w.url },
      redirect: "manual",
    });
    expect(out.status).toBe(303);
    const after = await fetch(`${w.url}/console/members`, { headers: { cookie }, redirect: "manual" });
    expect(after.headers.get("location")).toBe("/console/sign-in");
  });

  it("serves the landing page, the API reference and its Swagger UI assets (Workers Static Assets), and /metrics closed", async () => {
    const landing = await fetch(`${w.url}/`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('href="/docs"');
    const docs = await fetch(`${w.url}/docs`);
    expect(docs.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await docs.text()).toContain("/docs/assets/swagger-ui-bundle.js");
    const bundle = await w.getText("/docs/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.text).toContain("SwaggerUIBundle");
    const css = await w.getText("/docs/assets/swagger-ui.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/text\/css/);
    // No METRICS_TOKEN and no loopback peer on Workers: closed.
    expect((await fetch(`${w.url}/metrics`)).status).toBe(403);
  });

  it("posts an order and shows its points, with the same rules as on Node", async () => {
    await api("PUT", "/v1/program", { categoryMultipliers: { coffee: 2 } });
    const m = await api("POST", "/v1/members", { phone: "0912345678" });
    expect(m.status).toBe(201);
    const o = await api("POST", "/v1/orders", {
      externalId: "W-1",
      memberId: m.body.id,
      items: [{ sku: "CF", category: "coffee", quantity: 2, unitPrice: 35000 }],
    });
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ pointsEarned: 14, balance: 14 });
    const again = await api("POST", "/v1/orders", {
      externalId: "W-1",
      memberId: m.body.id,
      items: [{ sku: "CF", category: "coffee", quantity: 2, unitPrice: 35000 }],
    });
    expect(again.body).toEqual(o.body);
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.points.balance).toBe(14);
    const bad = await api("POST", "/v1/orders", { externalId: "W-2", items: [] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
  });

  it("answers a Telegram webhook update through the fake Bot API; a wrong secret is refused", async () => {
    const update = telegramTextUpdate("/help", { id: 777001, first_name: "Lan" });
    const denied = await fetch(`${w.url}/webhooks/telegram`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "nope" },
      body: JSON.stringify(update),
    });
    expect(denied.status).toBe(401);
    const r = await fetch(`${w.url}/webhooks/telegram`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update),
    });
    expect(r.status).toBe(200);
    const sent = await tg.waitFor((c) => c.method === "sendMessage" && String(c.payload.chat_id) === "777001", 15_000);
    expect(String(sent.payload.text).length).toBeGreaterThan(0);
    // A replay is acknowledged and not processed twice.
    const replay = await fetch(`${w.url}/webhooks/telegram`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update),
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ ok: true, duplicate: true }); // refused by its claim: no work started
    expect(tg.callsOf("sendMessage").filter((c) => String(c.payload.chat_id) === "777001")).toHaveLength(1);
  });

  it("runs the expiry job from the scheduled handler", async () => {
    await api("PUT", "/v1/program", { pointsExpireDays: 30 });
    const m = await api("POST", "/v1/members", { phone: "0987654321" });
    const placedAt = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await api("POST", "/v1/orders", {
      externalId: "W-OLD",
      memberId: m.body.id,
      placedAt,
      items: [{ sku: "A", quantity: 1, unitPrice: 100000 }],
    });
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.points.balance).toBe(10);
    const s = await w.scheduled("0 * * * *");
    expect(s.status).toBe(200);
    const ledger = (await api("GET", `/v1/members/${m.body.id}/ledger`)).body.entries;
    expect(ledger[0]).toMatchObject({ kind: "expire", points: -10 });
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.points.balance).toBe(0);
  });

  it("delivers a campaign through Cloudflare Queues, a 429 honoured and the message retried, each member once", async () => {
    const n = 12;
    await d.db.insert(members).values(
      Array.from({ length: n }, (_, i) => ({
        id: `mem_wq${i}`,
        merchantId,
        name: `Nguyễn Văn Khách${i}`,
        phone: `+8497000${String(i).padStart(4, "0")}`,
        optedIn: true,
      })),
    );
    await d.db.insert(channelIdentities).values(
      Array.from({ length: n }, (_, i) => ({
        merchantId,
        memberId: `mem_wq${i}`,
        channel: "telegram",
        userId: String(880000 + i),
        chatId: String(880000 + i),
      })),
    );
    const seg = await api("POST", "/v1/segments", {
      name: "queue test",
      rule: { field: "channel", op: "eq", value: "telegram" },
    });
    expect(seg.status).toBe(201);
    const c = await api("POST", "/v1/campaigns", {
      name: "Queue",
      segmentId: seg.body.id,
      message: { vi: "Chào {{firstName}}!", en: "Hi {{firstName}}!" },
    });
    expect(c.status).toBe(201);
    tg.reset();
    tg.failNext("sendMessage", { status: 429, retryAfter: 1 });
    const sent = await api("POST", `/v1/campaigns/${c.body.id}/send`);
    expect(sent.status).toBe(202);
    const view = await waitFor(
      "the campaign to be done",
      async () => {
        const v = (await api("GET", `/v1/campaigns/${c.body.id}`)).body;
        return v.status === "done" ? v : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(view.status).toBe("done");
    expect(view.counts).toMatchObject({ recipients: n, sent: n, failed: 0 });
    const ok = tg.succeeded("sendMessage").filter((x) => String(x.payload.chat_id).startsWith("880"));
    expect(ok).toHaveLength(n);
    expect(new Set(ok.map((x) => String(x.payload.chat_id))).size).toBe(n);
    expect(tg.count429()).toBe(1);
    expect(ok.some((x) => String(x.payload.text).includes("Khách"))).toBe(true);
  }, 90_000);
});
