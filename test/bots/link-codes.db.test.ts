import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";
import { linkCode, setupShop, startBotHarness, type BotHarness, type Shop } from "./harness.ts";

let h: BotHarness;
let shop: Shop;

beforeAll(async () => {
  h = await startBotHarness();
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});

const sim = (clientId: string, text: string) =>
  fetch(`${h.s.url}/simulator/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ clientId, text }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { messages: { text: string }[] } }));

describe("POST /v1/members/{id}/link-codes", () => {
  it("201 with an 8-character code without look-alikes, 7-day expiry and a Telegram deep link", async () => {
    const r = await shop.api("POST", `/v1/members/${shop.memberId}/link-codes`);
    expect(r.status).toBe(201);
    expect(r.body.code).toMatch(/^[ACDEFGHJKMNPQRTUVWXY34679]{8}$/);
    expect(r.body.code).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(r.body.expiresAt).toBe(new Date(h.clock.now().getTime() + 7 * 86_400_000).toISOString());
    expect(r.body.telegramLink).toBe(`https://t.me/loyalty_test_bot?start=${r.body.code}`);
    // getMe is cached: one call for many codes.
    await linkCode(shop);
    expect(h.tg.callsOf("getMe").length).toBeLessThanOrEqual(1);
  });

  it("accepts an empty body with or without a JSON content type, and expiresInDays", async () => {
    const url = `${h.s.url}/v1/members/${shop.memberId}/link-codes`;
    const auth = { authorization: `Bearer ${shop.apiKey}` };
    const a = await fetch(url, { method: "POST", headers: auth });
    expect(a.status).toBe(201);
    const b = await fetch(url, { method: "POST", headers: { ...auth, "content-type": "application/json" } });
    expect(b.status).toBe(201);
    const c = await shop.api("POST", `/v1/members/${shop.memberId}/link-codes`, { expiresInDays: 2 });
    expect(c.status).toBe(201);
    expect(c.body.expiresAt).toBe(new Date(h.clock.now().getTime() + 2 * 86_400_000).toISOString());
    const bad = await shop.api("POST", `/v1/members/${shop.memberId}/link-codes`, { expiresInDays: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toMatch(/\/validation$/);
  });

  it("another merchant's member → 404 problem; unknown member → 404", async () => {
    const other = await h.s.merchant("Other shop");
    const r = await other.api("POST", `/v1/members/${shop.memberId}/link-codes`);
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.code).toBeUndefined();
    expect((await shop.api("POST", "/v1/members/mem_nope/link-codes")).status).toBe(404);
    expect((await apiClient(h.s.url)("POST", `/v1/members/${shop.memberId}/link-codes`)).status).toBe(401);
  });

  it("a code is single use (web simulator), and the member then lists the web identity", async () => {
    const code = await linkCode(shop);
    const first = await sim("client-aaaaaaaaaaaaaaaa", `/start ${code}`);
    expect(first.body.messages[0]!.text).toContain("liên kết thành công");
    const second = await sim("client-bbbbbbbbbbbbbbbb", `/start ${code}`);
    expect(second.body.messages[0]!.text).toContain("đã dùng hoặc đã hết hạn");
    const m = await shop.api("GET", `/v1/members/${shop.memberId}`);
    expect(m.body.channels).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: "web", userId: "client-aaaaaaaaaaaaaaaa" })]),
    );
  });

  it("is in the OpenAPI document", async () => {
    const doc = await apiClient(h.s.url)("GET", "/v1/openapi.json");
    expect(doc.body.paths["/v1/members/{id}/link-codes"].post.responses["201"]).toBeTruthy();
  });
});

describe("link codes without a Telegram bot", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });
  it("telegramLink is null", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { name: "Lan" });
    const r = await api("POST", `/v1/members/${m.body.id}/link-codes`, {});
    expect(r.status).toBe(201);
    expect(r.body.telegramLink).toBeNull();
  });
});
