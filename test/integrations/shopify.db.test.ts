/** Shopify: real-shaped orders/create and refunds/create payloads (test/fixtures/integrations/SOURCES.md). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { b64, connect, fixture, postHook, SECRET } from "./helpers.ts";
import { platformSuite, type Delivery, type SignMode } from "./suite.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const create = fixture("shopify-orders-create.json");
const topic = (t: string) => ({ "x-shopify-topic": t, "x-shopify-shop-domain": "demo.myshopify.com" });

function sign(d: Delivery, mode: SignMode) {
  const headers: Record<string, string> = { ...d.headers };
  if (mode === "correct") headers["x-shopify-hmac-sha256"] = b64(SECRET, d.body);
  if (mode === "wrong") headers["x-shopify-hmac-sha256"] = b64("not-the-secret", d.body);
  return { body: d.body, headers };
}

platformSuite(
  {
    platform: "shopify",
    sign,
    create: { body: create, headers: { ...topic("orders/create"), "x-shopify-webhook-id": "b54557e4-bdd9-4b37" } },
    // 18-digit id, read exactly (a double would make it …154500).
    externalId: "shopify:820982911946154508",
    // (2 × 199 000 − 20 000) + 150 000 = 528 000 VND, shipping not counted → 52 points at 1 per 10 000.
    points: 52,
    phone: "+84912000001",
    channel: "online",
    later: {
      body: create.replace('"financial_status": "paid"', '"financial_status": "paid" '),
      headers: topic("orders/paid"),
    },
    cancel: {
      body: create.replace('"cancelled_at": null', '"cancelled_at": "2026-11-21T09:00:00+07:00"'),
      headers: topic("orders/cancelled"),
    },
    partialRefund: { body: fixture("shopify-refunds-create.json"), headers: topic("refunds/create") },
    guest: {
      body: create.replace('"phone": "+84912000001"', '"phone": null').replaceAll(/"[a-z]+@example\.com"/g, "null"),
      headers: topic("orders/create"),
    },
    unusable: { body: create.replace('"price": "150000.00"', '"price": "150k"'), headers: topic("orders/create") },
    email: {
      address: "jon@example.com", // the order's `email` (read before customer.email)
      both: { body: create, headers: topic("orders/create") },
      only: { body: create.replace('"phone": "+84912000001"', '"phone": null'), headers: topic("orders/create") },
    },
  },
  () => s,
);

describe("shopify specifics", () => {
  it("tax 'exclude': prices that include tax earn on the price without it", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify", { tax: "exclude" });
    const r = await postHook(s.url, c.path, create, {
      ...sign({ body: create, headers: topic("orders/create") }, "correct").headers,
    });
    expect(r.body.outcome).toBe("applied");
    const o = await m.api("GET", "/v1/orders/shopify:820982911946154508");
    // 528 000 − VAT (36 182 + 13 636) = 478 182 → 47 points.
    expect(o.body.total).toBe(478182);
    expect(o.body.points.earned).toBe(47);
  });

  it("an amount-only refund (no lines) and other topics are recorded as ignored", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    const refund =
      '{"id": 929361463, "order_id": 820982911946154508, "refund_line_items": [], "transactions": [{"kind": "refund", "amount": "50000.00"}]}';
    for (const [body, t] of [
      [refund, "refunds/create"],
      ['{"id": 1, "title": "x"}', "products/update"],
    ] as const) {
      const r = await postHook(s.url, c.path, body, sign({ body, headers: topic(t) }, "correct").headers);
      expect(r.body.outcome).toBe("ignored");
    }
  });

  it("the webhook URL is absolute under PUBLIC_URL; the secret is never returned; a deleted connection's URL → 404", async () => {
    const s2 = await startTestServer({ env: { PUBLIC_URL: "https://loyalty.example.vn" } });
    try {
      const m = await s2.merchant();
      const r = await m.api("POST", "/v1/integrations", { platform: "shopify", secret: SECRET, name: "Web shop" });
      expect(r.status).toBe(201);
      expect(r.body.webhookUrl).toBe(`https://loyalty.example.vn/hooks/shopify/${r.body.id}`);
      expect(JSON.stringify(r.body)).not.toContain(SECRET);
      const list = await m.api("GET", "/v1/integrations");
      expect(JSON.stringify(list.body)).not.toContain(SECRET);
      expect(list.body.integrations).toHaveLength(1);
      const stored = await s2.database.db.execute("select secret_sealed from integration_connections" as never);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
      expect((await m.api("DELETE", `/v1/integrations/${r.body.id}`)).status).toBe(204);
      const h = sign({ body: create, headers: topic("orders/create") }, "correct").headers;
      expect((await postHook(s2.url, `/hooks/shopify/${r.body.id}`, create, h)).status).toBe(404);
      expect((await m.api("GET", "/v1/integrations")).body.integrations).toHaveLength(0);
    } finally {
      await s2.close();
    }
  });

  it("a second Shopify store needs its shop and writes shop-qualified order ids", async () => {
    const m = await s.merchant();
    await connect(m.api, "shopify");
    const bad = await m.api("POST", "/v1/integrations", { platform: "shopify", secret: SECRET });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("shop");
    const c2 = await connect(m.api, "shopify", { shop: "store-two.myshopify.com" });
    const r = await postHook(
      s.url,
      c2.path,
      create,
      sign({ body: create, headers: topic("orders/create") }, "correct").headers,
    );
    expect(r.body.outcome).toBe("applied");
    expect((await m.api("GET", "/v1/orders/shopify:store-two.myshopify.com:820982911946154508")).status).toBe(200);
  });

  it("bad connection input → 400 with a field path, nothing stored", async () => {
    const m = await s.merchant();
    for (const [body, path] of [
      [{ platform: "woo", secret: SECRET }, "platform"],
      [{ platform: "shopify", secret: "short" }, "secret"],
      [{ platform: "kiotviet", secret: SECRET, credentials: { clientId: "x" } }, "credentials.clientSecret"],
    ] as const) {
      const r = await m.api("POST", "/v1/integrations", body);
      expect(r.status).toBe(400);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await m.api("GET", "/v1/integrations")).body.integrations).toEqual([]);
  });

  it("send test event: a signed delivery through the receiver, recorded as ignored", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    const r = await m.api("POST", `/v1/integrations/${c.id}/test`);
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe("ignored");
  });
});
