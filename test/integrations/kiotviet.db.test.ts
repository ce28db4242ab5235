/**
 * KiotViet: invoice.update webhooks (real-shaped, fixtures/integrations/SOURCES.md) re-read through a fake KiotViet
 * public API on loopback (token endpoint, invoices, customers, returns), and the returns poll.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeKiotVietServer } from "../fakes/kiotviet-server.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { b64, connect, deliveries, fixture, hex, memberByPhone, postHook, SECRET } from "./helpers.ts";
import { platformSuite, type Delivery, type SignMode } from "./suite.ts";

const CREDS = { clientId: "cl-7f3a", clientSecret: "cs-19be44", retailer: "shopdemo" };
let kv: FakeKiotVietServer;
let s: TestServer;

/** The invoice as GET /invoices/{id} answers it (camelCase, like the public API). */
const apiInvoice = (id: number, customerId: number | null) => ({
  id,
  code: `HD${id}`,
  purchaseDate: "2026-11-20T14:05:00.0000000",
  branchId: 25361,
  customerId,
  total: 315000,
  totalPayment: 315000,
  discount: 15000,
  status: 1,
  statusValue: "Hoàn thành",
  invoiceDetails: [
    {
      productId: 2001001,
      productCode: "SP000101",
      productName: "Sữa rửa mặt",
      quantity: 2,
      price: 120000,
      discount: 10000,
    },
    {
      productId: 2001002,
      productCode: "SP000102",
      productName: "Kem chống nắng",
      quantity: 1,
      price: 110000,
      discount: 0,
    },
  ],
});

beforeAll(async () => {
  kv = await FakeKiotVietServer.start(CREDS);
  kv.invoices.set("145632987", apiInvoice(145632987, 3004156));
  kv.invoices.set("145632988", apiInvoice(145632988, null));
  kv.customers.set("3004156", {
    id: 3004156,
    code: "KH000123",
    name: "Phạm Hoa",
    contactNumber: "0912000004",
    email: "",
  });
  s = await startTestServer({ env: { KIOTVIET_API_ROOT: kv.apiRoot, KIOTVIET_TOKEN_URL: kv.tokenUrl } });
});
afterAll(async () => {
  await s?.close();
  await kv?.close();
});

const invoice = fixture("kiotviet-invoice-update.json");

function sign(d: Delivery, mode: SignMode) {
  const headers: Record<string, string> = {};
  if (mode === "correct") headers["x-hub-signature"] = `sha256=${hex(SECRET, d.body)}`;
  if (mode === "wrong") headers["x-hub-signature"] = `sha256=${hex("another-secret", d.body)}`;
  return { body: d.body, headers };
}

platformSuite(
  {
    platform: "kiotviet",
    connectExtra: { credentials: CREDS },
    sign,
    create: { body: invoice },
    externalId: "kiotviet:145632987",
    // 2 × (120 000 − 10 000) + 110 000 − 15 000 invoice discount = 315 000 → 31 points.
    points: 31,
    phone: "+84912000004",
    channel: "pos",
    later: { body: invoice.replace('"Attempt": 1', '"Attempt": 2').replace("c2a1e8f0", "d3b2f9a1") },
    cancel: { body: invoice.replace('"Status": 1,', '"Status": 2,').replace("c2a1e8f0", "e4c3a0b2") },
    guest: {
      body: invoice
        .replace('"Id": 145632987', '"Id": 145632988')
        .replace('"CustomerId": 3004156', '"CustomerId": null'),
    },
    guestExternalId: "kiotviet:145632988",
    unusable: { body: invoice.replace('"Notifications": [', '"Notifications": [], "Ignored": [') },
  },
  () => s,
);

describe("kiotviet specifics", () => {
  const send = (path: string, body: string) => postHook(s.url, path, body, sign({ body }, "correct").headers);

  it("accepts the signature as hex or base64, with or without sha256=", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "kiotviet", { credentials: CREDS });
    for (const sig of [hex(SECRET, invoice), b64(SECRET, invoice), `sha256=${b64(SECRET, invoice)}`]) {
      const r = await postHook(s.url, c.path, invoice, { "x-hub-signature": sig });
      expect(r.status).toBe(200);
    }
    expect((await postHook(s.url, c.path, invoice, { "x-hub-signature": "sha256=" })).status).toBe(401);
  });

  it("caches the token until it expires, then fetches a new one", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "kiotviet", { credentials: CREDS });
    const before = kv.log.filter((l) => l === "POST /connect/token").length;
    await send(c.path, invoice);
    await send(c.path, invoice.replace("c2a1e8f0", "f5d4b1c3"));
    const afterTwo = kv.log.filter((l) => l === "POST /connect/token").length;
    expect(afterTwo - before).toBeLessThanOrEqual(1);
    kv.expireTokens();
    const r = await send(c.path, invoice.replace("c2a1e8f0", "a6e5c2d4"));
    expect(r.body.outcome).toBe("duplicate"); // re-read with a new token after the 401
    expect(kv.log.filter((l) => l === "POST /connect/token").length).toBe(afterTwo + 1);
  });

  it("KiotViet API down → 200 and a failed delivery; the replay applies it once the API answers", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "kiotviet", { credentials: CREDS });
    kv.failNext = { status: 503, count: 1 };
    const r = await send(c.path, invoice);
    expect(r).toMatchObject({ status: 200, body: { outcome: "failed" } });
    const [d] = await deliveries(m.api, c.id);
    expect(d?.reason).toContain("503");
    const replay = await m.api("POST", `/v1/integrations/${c.id}/deliveries/${d!.id}/replay`, {});
    expect(replay.body).toMatchObject({ outcome: "applied", externalId: "kiotviet:145632987" });
    expect((await memberByPhone(m.api, "+84912000004"))?.points.total).toBe(31);
  });

  it("a slow KiotViet API: one deadline for all calls → answered within 5 s, failed, replayable", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "kiotviet", { credentials: CREDS });
    // Token, invoice and customer each 2.5 s late: every call within its own 3 s, the sequence well over 5 s.
    kv.delayMs = 2500;
    try {
      const started = Date.now();
      const r = await send(c.path, invoice.replace("c2a1e8f0", "b7f6d3e5"));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(r).toMatchObject({ status: 200, body: { outcome: "failed" } });
    } finally {
      kv.delayMs = 0;
    }
    const [d] = await deliveries(m.api, c.id);
    expect(d).toMatchObject({ outcome: "failed" });
    expect(d?.reason).toContain("deadline");
    const replay = await m.api("POST", `/v1/integrations/${c.id}/deliveries/${d!.id}/replay`, {});
    expect(replay.body).toMatchObject({ outcome: "applied", externalId: "kiotviet:145632987" });
    expect((await memberByPhone(m.api, "+84912000004"))?.points.total).toBe(31);
  });

  it("without credentials: the webhook's own lines, a guest order (it carries no phone)", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "kiotviet");
    expect((await send(c.path, invoice)).body.outcome).toBe("applied");
    const o = await m.api("GET", "/v1/orders/kiotviet:145632987");
    expect(o.body).toMatchObject({ memberId: null, total: 315000, channel: "pos" });
    expect(o.body.lines.map((l: { sku: string }) => l.sku)).toEqual(["SP000101", "SP000102"]);
  });

  it("returns are polled: each return refunds its lines pro rata, once", async () => {
    const m = await s.merchant();
    const c = await connect(m.api, "kiotviet", { credentials: CREDS });
    await send(c.path, invoice);
    kv.returns.push({
      id: 7700123,
      code: "TH000045",
      invoiceId: 145632987,
      returnDate: "2026-11-22T09:00:00.0000000",
      customerId: 3004156,
      returnTotal: 103548,
      status: 1,
      createdDate: "2026-11-22T09:00:00.0000000",
      modifiedDate: "2026-11-22T09:00:01.0000000",
      returnDetails: [
        { productId: 2001001, productCode: "SP000101", productName: "Sữa rửa mặt", quantity: 1, price: 110000 },
      ],
    });
    const p1 = await m.api("POST", `/v1/integrations/${c.id}/poll`);
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ returns: 1, applied: 1, cursor: "2026-11-22T09:00:01.0000000" });
    const o = await m.api("GET", "/v1/orders/kiotviet:145632987");
    const amount = o.body.refunds[0].amount as number;
    expect(o.body.points.reversed).toBe(Math.floor((31 * amount) / 315000));
    const p2 = await m.api("POST", `/v1/integrations/${c.id}/poll`);
    expect(p2.body).toMatchObject({ returns: 1, applied: 0 });
    expect((await deliveries(m.api, c.id)).slice(0, 2).map((d) => [d.topic, d.outcome])).toEqual([
      ["returns.poll", "duplicate"],
      ["returns.poll", "applied"],
    ]);
    const other = await s.merchant();
    expect((await other.api("POST", `/v1/integrations/${c.id}/poll`)).status).toBe(404);
    const shopify = await connect(m.api, "shopify");
    expect((await m.api("POST", `/v1/integrations/${shopify.id}/poll`)).status).toBe(409);
  });
});
