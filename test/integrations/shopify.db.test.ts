/** Shopify: real-shaped orders/create and refunds/create payloads (test/fixtures/integrations/SOURCES.md). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { sql } from "drizzle-orm";
import { b64, connect, deliveries, fixture, memberByPhone, postHook, SECRET } from "./helpers.ts";
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

  const hook = (path: string, body: string, t: string) =>
    postHook(s.url, path, body, sign({ body, headers: topic(t) }, "correct").headers);
  const ORDER = "shopify:820982911946154508";
  /** refunds/create as Shopify sends it per the facts sheet: refund lines name their order line by id only. */
  const refundById = (id: number, lines: { lineItemId: string; quantity: number; subtotal: string }[]) =>
    JSON.stringify({ id, order_id: 0, refund_line_items: [], transactions: [] })
      .replace('"order_id":0', '"order_id":820982911946154508')
      .replace(
        '"refund_line_items":[]',
        `"refund_line_items":[${lines
          .map(
            (l, i) =>
              `{"id":${900 + i},"line_item_id":${l.lineItemId},"quantity":${l.quantity},"subtotal":"${l.subtotal}","total_tax":"0.00"}`,
          )
          .join(",")}]`,
      );
  const amountRefund = (id: number, amount: string) =>
    `{"id": ${id}, "order_id": 820982911946154508, "refund_line_items": [], "transactions": [{"kind": "refund", "status": "success", "amount": "${amount}", "currency": "VND"}]}`;

  it("refunds/create naming lines by line_item_id only → the SKUs the order's lines were written with", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    expect((await hook(c.path, create, "orders/create")).body.outcome).toBe("applied");
    // Line 1 has a SKU; line 2 none (written with its variant id).
    const refund = refundById(929361470, [
      { lineItemId: "866550311766439020", quantity: 1, subtotal: "189000.00" },
      { lineItemId: "141249953214522974", quantity: 1, subtotal: "150000.00" },
    ]);
    const r = await hook(c.path, refund, "refunds/create");
    expect(r.body.outcome).toBe("applied");
    const o = await m.api("GET", `/v1/orders/${ORDER}`);
    expect(o.body.refunds).toHaveLength(1);
    expect(o.body.refunds[0]).toMatchObject({
      amount: 189000 + 150000,
      items: [
        { sku: "AO-THUN-01", quantity: 1 },
        { sku: "49148385", quantity: 1 },
      ],
    });
    expect(o.body.points.reversed).toBe(Math.floor((52 * 339000) / 528000));
    expect((await hook(c.path, refund, "refunds/create")).body.outcome).toBe("duplicate");
  });

  it("a refund line whose order line is unknown (order payload not stored) → reversed by its subtotal", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    await hook(c.path, create, "orders/create");
    // A line added by an order edit after the order was received: not in the stored payload.
    const refund = refundById(929361471, [{ lineItemId: "555000111222333444", quantity: 1, subtotal: "50000.00" }]);
    const r = await hook(c.path, refund, "refunds/create");
    expect(r.body.outcome).toBe("applied");
    const o = await m.api("GET", `/v1/orders/${ORDER}`);
    expect(o.body.refunds[0]).toMatchObject({ amount: 50000, items: [] });
    expect(o.body.points.reversed).toBe(Math.floor((52 * 50000) / 528000));
    const [d] = await deliveries(m.api, c.id);
    expect(d).toMatchObject({ outcome: "applied", externalId: ORDER });
    expect(d?.reason).toContain("subtotal");
  });

  it("an amount-only refund reverses points pro rata to the amount, once; more than remains → failed", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    await hook(c.path, create, "orders/create");
    const refund = amountRefund(929361463, "50000.00");
    expect((await hook(c.path, refund, "refunds/create")).body.outcome).toBe("applied");
    expect((await hook(c.path, refund, "refunds/create")).body.outcome).toBe("duplicate");
    let o = await m.api("GET", `/v1/orders/${ORDER}`);
    expect(o.body.refunds).toHaveLength(1);
    expect(o.body.refunds[0]).toMatchObject({ amount: 50000, items: [] });
    expect(o.body.refundedTotal).toBe(50000);
    const reversed = Math.floor((52 * 50000) / 528000); // 4, floored toward the member
    expect(o.body.points.reversed).toBe(reversed);
    expect((await memberByPhone(m.api, "+84912000001"))?.points.total).toBe(52 - reversed);

    // More than the 478 000 that remains: a conflict, recorded as failed with its reason (not a duplicate).
    const tooMuch = await hook(c.path, amountRefund(929361464, "500000.00"), "refunds/create");
    expect(tooMuch).toMatchObject({ status: 200, body: { outcome: "failed" } });
    expect((await deliveries(m.api, c.id))[0]?.reason).toContain("remains refundable");

    // The cancellation reverses exactly what is left (amounts and points never exceed the order's).
    expect(
      (
        await hook(
          c.path,
          create.replace('"cancelled_at": null', '"cancelled_at": "2026-11-21T09:00:00+07:00"'),
          "orders/cancelled",
        )
      ).body.outcome,
    ).toBe("applied");
    o = await m.api("GET", `/v1/orders/${ORDER}`);
    expect(o.body.refundedTotal).toBe(528000);
    expect(o.body.points).toMatchObject({ earned: 52, reversed: 52, net: 0 });
    expect((await memberByPhone(m.api, "+84912000001"))?.points.total).toBe(0);
  });

  it("refund conflicts: lines the order cannot refund → failed; a refund after a full cancellation → ignored", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    await hook(c.path, create, "orders/create");
    const three = refundById(929361480, [{ lineItemId: "866550311766439020", quantity: 3, subtotal: "567000.00" }]);
    const r = await hook(c.path, three, "refunds/create");
    expect(r.body.outcome).toBe("failed");
    let [d] = await deliveries(m.api, c.id);
    expect(d?.reason).toContain("AO-THUN-01");
    expect((await m.api("GET", `/v1/orders/${ORDER}`)).body.points.reversed).toBe(0);

    const cancel = create.replace('"cancelled_at": null', '"cancelled_at": "2026-11-21T09:00:00+07:00"');
    expect((await hook(c.path, cancel, "orders/cancelled")).body.outcome).toBe("applied");
    // Shopify sends refunds/create too when a shop cancels with a refund: nothing left, not an error.
    const one = refundById(929361481, [{ lineItemId: "866550311766439020", quantity: 1, subtotal: "189000.00" }]);
    expect((await hook(c.path, one, "refunds/create")).body.outcome).toBe("ignored");
    [d] = await deliveries(m.api, c.id);
    expect(d?.reason).toContain("fully refunded");
  });

  it("a refund without lines or amount and other topics are recorded as ignored", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    await hook(c.path, create, "orders/create");
    const refund = '{"id": 929361490, "order_id": 820982911946154508, "refund_line_items": [], "transactions": []}';
    for (const [body, t] of [
      [refund, "refunds/create"],
      ['{"id": 1, "title": "x"}', "products/update"],
    ] as const) {
      const r = await hook(c.path, body, t);
      expect(r.body.outcome).toBe("ignored");
    }
    expect((await m.api("GET", `/v1/orders/${ORDER}`)).body.points.reversed).toBe(0);
  });

  it("text Postgres cannot store (NUL) in a validly signed payload → 200, failed and kept for replay", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "shopify");
    for (const body of [
      create.replace('"sku": "AO-THUN-01"', '"sku": "AO-THUN-01\\u0000"'),
      create.replace('"name": "Mũ lưỡi trai"', '"name": "Mũ\\u0000"'),
      create.replace('"tags": "tag1, tag2"', '"ta\\u0000gs": "x"'),
    ]) {
      const r = await hook(c.path, body, "orders/create");
      expect(r).toMatchObject({ status: 200, body: { outcome: "failed" } });
      const [d] = await deliveries(m.api, c.id);
      expect(d).toMatchObject({ id: r.body.deliveryId, outcome: "failed" });
      expect(d?.reason).toContain("NUL");
    }
    expect((await m.api("GET", `/v1/orders/${ORDER}`)).status).toBe(404);
    const [d] = await deliveries(m.api, c.id);
    const fixed = await m.api("POST", `/v1/integrations/${c.id}/deliveries/${d!.id}/replay`, { body: create });
    expect(fixed.body).toMatchObject({ outcome: "applied", externalId: ORDER });
  });

  it("an unexpected error while applying → 200 and a failed delivery with a short reason, replayable", async () => {
    const s2 = await startTestServer();
    try {
      const m = await s2.merchant();
      const c = await connect(m.api, "shopify");
      // Postgres refuses every order of this database (a stand-in for any error the mapping did not foresee).
      await s2.database.db.execute(
        sql.raw(`create function test_refuse_order() returns trigger language plpgsql as $$
          begin raise exception 'refused for the test: %', new.external_id; end $$`),
      );
      await s2.database.db.execute(
        sql.raw(
          "create trigger test_refuse_order before insert on orders for each row execute function test_refuse_order()",
        ),
      );
      const h = sign({ body: create, headers: topic("orders/create") }, "correct").headers;
      const r = await postHook(s2.url, c.path, create, h);
      expect(r).toMatchObject({ status: 200, body: { outcome: "failed" } });
      const [d] = await deliveries(m.api, c.id);
      expect(d?.outcome).toBe("failed");
      expect(d?.reason).toMatch(/SQLSTATE P0001/);
      expect(d?.reason).not.toContain("820982911946154508"); // no payload data in the reason
      await s2.database.db.execute(sql.raw("drop trigger test_refuse_order on orders"));
      const replay = await m.api("POST", `/v1/integrations/${c.id}/deliveries/${d!.id}/replay`, {});
      expect(replay.body).toMatchObject({ outcome: "applied", externalId: ORDER });
    } finally {
      await s2.close();
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
      const gone = await postHook(s2.url, `/hooks/shopify/${r.body.id}`, create, h);
      expect(gone.status).toBe(404);
      expect(gone.headers.get("content-type")).toContain("application/problem+json");
      expect(gone.body).toMatchObject({ status: 404, type: expect.stringContaining("integration-not-found") });
      const unknown = await postHook(s2.url, "/hooks/shopify/int_unknown", create, h);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get("content-type")).toContain("application/problem+json");
      expect((await m.api("GET", "/v1/integrations")).body.integrations).toHaveLength(0);
    } finally {
      await s2.close();
    }
  });

  it("a second Shopify store needs its shop and writes shop-qualified order ids", async () => {
    const m = await s.merchant();
    const c1 = await connect(m.api, "shopify");
    const bad = await m.api("POST", "/v1/integrations", { platform: "shopify", secret: SECRET });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("shop");
    const c2 = await connect(m.api, "shopify", { shop: "store-two.myshopify.com" });
    const r = await hook(c2.path, create, "orders/create");
    expect(r.body.outcome).toBe("applied");
    expect((await m.api("GET", "/v1/orders/shopify:store-two.myshopify.com:820982911946154508")).status).toBe(200);
    // The first connection has no shop: its orders stay `shopify:{id}`; the same platform id from the other shop is
    // another order (not a duplicate).
    expect((await hook(c1.path, create, "orders/create")).body).toMatchObject({ outcome: "applied" });
    expect((await m.api("GET", `/v1/orders/${ORDER}`)).status).toBe(200);
  });

  it("the first connection (with a shop) after a second exists: shop-qualified ids, its earlier orders still found", async () => {
    const m = await s.merchant();
    const c1 = await connect(m.api, "shopify", { shop: "store-one.myshopify.com" });
    expect((await hook(c1.path, create, "orders/create")).body.outcome).toBe("applied");
    expect((await m.api("GET", `/v1/orders/${ORDER}`)).status).toBe(200); // the only connection: `shopify:{id}`
    const c2 = await connect(m.api, "shopify", { shop: "store-two.myshopify.com" });

    // Two live connections: the first one's new orders are shop-qualified too…
    const other = create.replaceAll("820982911946154508", "820982911946154999");
    const r = await hook(c1.path, other, "orders/create");
    expect(r.body).toMatchObject({ outcome: "applied" });
    expect((await m.api("GET", "/v1/orders/shopify:store-one.myshopify.com:820982911946154999")).status).toBe(200);
    expect((await m.api("GET", "/v1/orders/shopify:820982911946154999")).status).toBe(404);

    // …and the order earned before the second connection existed is found under its old id: not earned twice…
    const paid = await hook(c1.path, create, "orders/paid");
    expect(paid.body.outcome).toBe("duplicate");
    expect((await deliveries(m.api, c1.id))[0]).toMatchObject({ outcome: "duplicate", externalId: ORDER });
    expect((await m.api("GET", "/v1/orders/shopify:store-one.myshopify.com:820982911946154508")).status).toBe(404);
    expect((await memberByPhone(m.api, "+84912000001"))?.points.total).toBe(2 * 52);
    // …and still refunded.
    const refund = fixture("shopify-refunds-create.json");
    expect((await hook(c1.path, refund, "refunds/create")).body.outcome).toBe("applied");
    expect((await m.api("GET", `/v1/orders/${ORDER}`)).body.points.reversed).toBeGreaterThan(0);

    // The other shop's order with the same platform id is its own order.
    expect((await hook(c2.path, create, "orders/create")).body.outcome).toBe("applied");
    expect((await m.api("GET", "/v1/orders/shopify:store-two.myshopify.com:820982911946154508")).status).toBe(200);

    // Back to one connection: `shopify:{id}` again, and the shop-qualified orders are still found.
    expect((await m.api("DELETE", `/v1/integrations/${c2.id}`)).status).toBe(204);
    expect((await hook(c1.path, other, "orders/paid")).body.outcome).toBe("duplicate");
    expect((await m.api("GET", "/v1/orders/shopify:820982911946154999")).status).toBe(404);
    const third = create.replaceAll("820982911946154508", "820982911946155000");
    expect((await hook(c1.path, third, "orders/create")).body.outcome).toBe("applied");
    expect((await m.api("GET", "/v1/orders/shopify:820982911946155000")).status).toBe(200);
  });

  it("bad connection input → 400 with a field path, nothing stored", async () => {
    const m = await s.merchant();
    for (const [body, path] of [
      [{ platform: "woo", secret: SECRET }, "platform"],
      [{ platform: "shopify", secret: "" }, "secret"],
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
