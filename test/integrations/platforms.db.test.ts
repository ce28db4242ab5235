/** Haravan, Sapo (GO/POS and Web) and Nhanh.vn receivers on real-shaped payloads (fixtures/integrations/SOURCES.md). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { b64, connect, fixture, memberByPhone, postHook, SECRET } from "./helpers.ts";
import { platformSuite, type Delivery, type SignMode } from "./suite.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

/** Haravan and Sapo: base64 HMAC-SHA256 of the raw body in their own header. */
const hmacSigner = (header: string) => (d: Delivery, mode: SignMode) => {
  const headers: Record<string, string> = { ...d.headers };
  if (mode === "correct") headers[header] = b64(SECRET, d.body);
  if (mode === "wrong") headers[header] = b64(`${SECRET}x`, d.body);
  return { body: d.body, headers };
};

// Haravan ------------------------------------------------------------------------------------------------------
const haravan = fixture("haravan-orders-create.json");
const hv = (t: string) => ({ "x-haravan-topic": t, "x-haravan-org-id": "200000123456" });
const haravanRefund = haravan
  .replace('"financial_status": "pending"', '"financial_status": "partially_refunded"')
  .replace(
    '"refunds": []',
    '"refunds": [{"id": 77001, "created_at": "2026-11-22T03:00:00.000Z", "refund_line_items": [{"line_item_id": 1066630381, "quantity": 1, "line_item": {"id": 1066630381, "sku": "CF-ARABICA-250", "variant_id": 1035433301, "product_id": 1017009425}}]}]',
  );

const haravanEmail = haravan.replaceAll('"email": null', '"email": "Lan.Nguyen@Example.vn"');

platformSuite(
  {
    platform: "haravan",
    sign: hmacSigner("x-haravan-hmacsha256"),
    create: { body: haravan, headers: hv("orders/create") },
    externalId: "haravan:1005432123",
    // 2 × 250 000 + 90 000 − 40 000 order discount = 550 000 (shipping 25 000 not counted) → 55 points.
    points: 55,
    phone: "+84912000002",
    channel: "online",
    later: {
      body: haravan.replace('"financial_status": "pending"', '"financial_status": "paid"'),
      headers: hv("orders/paid"),
    },
    cancel: {
      body: haravan.replace('"cancelled_at": null', '"cancelled_at": "2026-11-21T03:00:00.000Z"'),
      headers: hv("orders/cancelled"),
    },
    partialRefund: { body: haravanRefund, headers: hv("orders/updated") },
    guest: { body: haravan.replaceAll('"0912000002"', "null"), headers: hv("orders/create") },
    unusable: { body: haravan.replace('"quantity": 2,', '"quantity": 0,'), headers: hv("orders/create") },
    email: {
      address: "Lan.Nguyen@Example.vn",
      both: { body: haravanEmail, headers: hv("orders/create") },
      only: { body: haravanEmail.replaceAll('"0912000002"', "null"), headers: hv("orders/create") },
    },
  },
  () => s,
);

describe("haravan specifics", () => {
  it("the subscription handshake echoes hub.challenge for the right verify token, 401 otherwise", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "haravan");
    const ok = await fetch(
      `${s.url}${c.path}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(SECRET)}&hub.challenge=abc123`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("abc123");
    const bad = await fetch(`${s.url}${c.path}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=abc123`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(await bad.json()).toMatchObject({ status: 401, type: expect.stringContaining("verify-token-invalid") });
    const none = await fetch(
      `${s.url}/hooks/haravan/int_unknown?hub.mode=subscribe&hub.verify_token=x&hub.challenge=y`,
    );
    expect(none.status).toBe(404);
    expect(none.headers.get("content-type")).toContain("application/problem+json");
    expect(await none.json()).toMatchObject({ status: 404, type: expect.stringContaining("integration-not-found") });
  });

  it("financial_status refunded (no refund lines) reverses the whole order", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "haravan");
    const send = (body: string, t: string) =>
      postHook(s.url, c.path, body, hmacSigner("x-haravan-hmacsha256")({ body, headers: hv(t) }, "correct").headers);
    await send(haravan, "orders/create");
    const refunded = haravan.replace('"financial_status": "pending"', '"financial_status": "refunded"');
    expect((await send(refunded, "orders/updated")).body.outcome).toBe("applied");
    expect((await memberByPhone(m.api, "+84912000002"))?.points.total).toBe(0);
  });
});

// Sapo GO (POS) -------------------------------------------------------------------------------------------------
const sapo = fixture("sapo-go-order.json");
const sp = (t: string) => ({ "x-sapo-topic": t, "x-sapo-tenant-domain": "demo.mysapogo.com" });

const sapoEmail = sapo.replace('"email": null', '"email": "hoa@example.vn"');

platformSuite(
  {
    platform: "sapo",
    sign: hmacSigner("x-sapo-hmac-sha256"),
    create: { body: sapo, headers: sp("orders/create") },
    externalId: "sapo:204471563",
    // 4 × 45 000 + 10 × 30 000 − 12 000 = 468 000 → 46 points.
    points: 46,
    phone: "+84912000003",
    channel: "pos",
    later: { body: sapo.replace('"status": "finalized"', '"status": "completed"'), headers: sp("orders/updated") },
    cancel: { body: sapo.replace('"status": "finalized"', '"status": "cancelled"'), headers: sp("orders/updated") },
    partialRefund: {
      body: sapo.replace(
        '"order_returns": []',
        '"order_returns": [{"id": 5001, "code": "SRN0001", "line_items": [{"sku": "BF-01", "quantity": 4}]}]',
      ),
      headers: sp("orders/updated"),
    },
    guest: { body: sapo.replace('"phone_number": "0912000003"', '"phone_number": null'), headers: sp("orders/create") },
    unusable: { body: sapo.replace('"price": 45000', '"price": "free"'), headers: sp("orders/create") },
    email: {
      address: "hoa@example.vn",
      both: { body: sapoEmail, headers: sp("orders/create") },
      only: {
        body: sapoEmail.replace('"phone_number": "0912000003"', '"phone_number": null'),
        headers: sp("orders/create"),
      },
    },
  },
  () => s,
);

describe("sapo web", () => {
  it("a Shopify-shaped Sapo Web order is an online order", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "sapo");
    const body = fixture("shopify-orders-create.json");
    const r = await postHook(
      s.url,
      c.path,
      body,
      hmacSigner("x-sapo-hmac-sha256")({ body, headers: sp("orders/create") }, "correct").headers,
    );
    expect(r.body.outcome).toBe("applied");
    const o = await m.api("GET", "/v1/orders/sapo:820982911946154508");
    expect(o.body).toMatchObject({ channel: "online", total: 528000 });
  });

  const web = fixture("shopify-orders-create.json");
  const webSetup = async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "sapo");
    const send = (body: string, t: string) =>
      postHook(s.url, c.path, body, hmacSigner("x-sapo-hmac-sha256")({ body, headers: sp(t) }, "correct").headers);
    expect((await send(web, "orders/create")).body.outcome).toBe("applied");
    return { ...m, send };
  };

  it("financial_status refunded (no refunds listed) reverses the whole order; partially_refunded alone is ignored", async () => {
    const { api, send } = await webSetup();
    const partial = web.replace('"financial_status": "paid"', '"financial_status": "partially_refunded"');
    const r = await send(partial, "orders/updated");
    expect(r.body.outcome).toBe("duplicate"); // the order again; the refund part ignored with its reason
    expect((await api("GET", "/v1/orders/sapo:820982911946154508")).body.points.reversed).toBe(0);
    const refunded = web.replace('"financial_status": "paid"', '"financial_status": "refunded"');
    expect((await send(refunded, "orders/updated")).body.outcome).toBe("applied");
    expect((await send(refunded, "orders/updated")).body.outcome).toBe("duplicate");
    const o = await api("GET", "/v1/orders/sapo:820982911946154508");
    expect(o.body.points).toMatchObject({ earned: 52, reversed: 52, net: 0 });
  });

  it("refunds[] lines named by line_item_id only → the order's own line_items tell their SKUs", async () => {
    const { api, send } = await webSetup();
    const refunded = web
      .replace('"financial_status": "paid"', '"financial_status": "partially_refunded"')
      .replace(
        '"refunds": []',
        '"refunds": [{"id": 66001, "refund_line_items": [{"line_item_id": 141249953214522974, "quantity": 1, "subtotal": "150000.00"}]}]',
      );
    expect((await send(refunded, "orders/updated")).body.outcome).toBe("applied");
    const o = await api("GET", "/v1/orders/sapo:820982911946154508");
    expect(o.body.refunds[0]).toMatchObject({ amount: 150000, items: [{ sku: "49148385", quantity: 1 }] });
    expect(o.body.points.reversed).toBe(Math.floor((52 * 150000) / 528000));
  });
});

// Nhanh.vn ------------------------------------------------------------------------------------------------------
const nhanh = fixture("nhanh-order-add.json");
const withToken = (body: string) => body.replace("SECRET_PLACEHOLDER", SECRET);

function nhanhSign(d: Delivery, mode: SignMode) {
  const body =
    mode === "correct"
      ? withToken(d.body)
      : mode === "wrong"
        ? d.body.replace("SECRET_PLACEHOLDER", "wrong-token-123")
        : d.body.replace('"webhooksVerifyToken": "SECRET_PLACEHOLDER",', "");
  return { body, headers: {} };
}

platformSuite(
  {
    platform: "nhanh",
    sign: nhanhSign,
    create: { body: nhanh },
    externalId: "nhanh:98765432",
    // 350 000 + 2 × (25 000 − 5 000) − 20 000 = 370 000 (ship fee not counted) → 37 points.
    points: 37,
    phone: "+84912000005",
    channel: "online",
    later: { body: nhanh.replace('"orderAdd"', '"orderUpdate"').replace('"status": "New"', '"status": "Confirmed"') },
    cancel: { body: nhanh.replace('"orderAdd"', '"orderUpdate"').replace('"status": "New"', '"status": "Canceled"') },
    guest: { body: nhanh.replace('"0912000005"', "null").replace('"binh@example.vn"', "null") },
    unusable: { body: nhanh.replace('"products": [', '"products": [] , "x": [') },
    email: { address: "binh@example.vn", both: { body: nhanh }, only: { body: nhanh.replace('"0912000005"', "null") } },
  },
  () => s,
);

describe("nhanh specifics", () => {
  it("orderDelete (v3: an id array) cancels the order", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "nhanh");
    await postHook(s.url, c.path, withToken(nhanh), {});
    const del = withToken(
      '{"event": "orderDelete", "businessId": 23456, "webhooksVerifyToken": "SECRET_PLACEHOLDER", "data": [98765432]}',
    );
    expect((await postHook(s.url, c.path, del, {})).body.outcome).toBe("applied");
    expect((await memberByPhone(m.api, "+84912000005"))?.points.total).toBe(0);
  });
});
