import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { members, orders } from "../../src/db/schema.ts";
import { readCsv } from "../../src/lib/csv.ts";
import { importOrders } from "../../src/orders/import.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { b64, connect, fixture, postHook, SECRET } from "../integrations/helpers.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const items = [{ sku: "CF", quantity: 2, unitPrice: 50_000 }];

async function setup(api: Api) {
  const open = (await api("POST", "/v1/stores", { code: "Q1", name: "Quận 1" })).body.id as string;
  const closed = (await api("POST", "/v1/stores", { code: "OLD", name: "Old" })).body.id as string;
  await api("DELETE", `/v1/stores/${closed}`);
  const member = (await api("POST", "/v1/members", { phone: "0912000001" })).body.id as string;
  return { open, closed, member };
}

describe("orders at a store", () => {
  it("every order path records storeId, and GET /v1/orders/{externalId} shows it", async () => {
    const { api } = await s.merchant();
    const { open, member } = await setup(api);
    const bodies = [
      { externalId: "by-id", memberId: member, storeId: open, items }, // one statement (cl_place_order)
      { externalId: "guest", storeId: open, items }, // guest, one statement
      { externalId: "by-phone", memberPhone: "0912000001", storeId: open, items }, // locking transaction
      { externalId: "none", memberId: member, items },
    ];
    for (const b of bodies) expect((await api("POST", "/v1/orders", b)).status, b.externalId).toBe(201);
    for (const b of bodies)
      expect((await api("GET", `/v1/orders/${b.externalId}`)).body.storeId, b.externalId).toBe(b.storeId ?? null);

    // A replay is a replay; the same externalId at another store is a different order.
    expect((await api("POST", "/v1/orders", bodies[0])).status).toBe(201);
    const other = (await api("POST", "/v1/stores", { code: "Q3", name: "Quận 3" })).body.id;
    const clash = await api("POST", "/v1/orders", { ...bodies[0], storeId: other });
    expect(clash.status).toBe(409);
  });

  it("an unknown, archived or other merchant's store → 400 at storeId on every path, nothing written", async () => {
    const one = await s.merchant();
    const two = await s.merchant();
    const { api } = one;
    const { closed, member } = await setup(api);
    const foreign = (await two.api("POST", "/v1/stores", { code: "F1", name: "Foreign" })).body.id;
    const before = (await api("GET", `/v1/members/${member}`)).body;
    let n = 0;
    for (const storeId of ["sto_nope", closed, foreign])
      for (const who of [
        { memberId: member },
        {},
        { memberPhone: "0912000001" },
        { memberPhone: "0912999999", enrol: true },
      ]) {
        const externalId = `bad-${n++}`;
        const r = await api("POST", "/v1/orders", { externalId, ...who, storeId, items });
        expect(r.status, `${storeId} ${JSON.stringify(who)}`).toBe(400);
        expect(r.body.errors[0].path).toBe("storeId");
        expect((await api("GET", `/v1/orders/${externalId}`)).status).toBe(404);
      }
    expect((await api("GET", `/v1/members/${member}`)).body).toEqual(before);
    // No order and no enrolled member (the locking path rolls the enrolment back with the order).
    const count = async (table: typeof orders | typeof members) =>
      (await s.database.db.select().from(table).where(eq(table.merchantId, one.merchantId))).length;
    expect(await count(orders)).toBe(0);
    expect(await count(members)).toBe(1);
  });

  it("CSV import: the store column names a store by code; unknown codes and archived stores reject the order", async () => {
    const { api, merchantId } = await s.merchant();
    await setup(api);
    const csv = [
      "order_id,item,unit_price,store",
      "i1,CF,10000,Q1",
      "i1,TEA,5000,Q1",
      "i2,CF,10000,",
      "i3,CF,10000,NOPE",
      "i4,CF,10000,OLD",
      "i5,CF,10000,Q1",
      "i5,TEA,10000,Q3",
    ].join("\n");
    const report = await importOrders(s.database.db, merchantId, readCsv([csv]), () => s.clock.now());
    expect(report.imported).toBe(2);
    expect(report.rejected.map((r) => [r.orderId, r.reason])).toEqual([
      ["i3", 'store "NOPE" is not a store code of this merchant'],
      ["i4", expect.stringMatching(/No open store/)],
      ["i5", "rows of this order name different stores"],
    ]);
    const stores = (await api("GET", "/v1/stores")).body.stores;
    expect((await api("GET", "/v1/orders/i1")).body.storeId).toBe(
      stores.find((x: { code: string }) => x.code === "Q1").id,
    );
    expect((await api("GET", "/v1/orders/i2")).body.storeId).toBeNull();
  });
});

describe("shop-system orders at a store", () => {
  const sapo = fixture("sapo-go-order.json"); // location_id 445566
  const headers = (body: string) => ({
    "x-sapo-topic": "orders/create",
    "x-sapo-tenant-domain": "demo.mysapogo.com",
    "x-sapo-hmac-sha256": b64(SECRET, body),
  });

  it("a platform location id names the store with that code; an unknown location is no store, not a failure", async () => {
    const withStore = await s.merchant();
    const store = (await withStore.api("POST", "/v1/stores", { code: "445566", name: "Sapo branch" })).body.id;
    const without = await s.merchant();
    for (const [m, expected] of [
      [withStore, store],
      [without, null],
    ] as const) {
      const { path } = await connect(m.api, "sapo");
      const r = await postHook(s.url, path, sapo, headers(sapo));
      expect(r.status).toBe(200);
      const order = await m.api("GET", "/v1/orders/sapo:204471563");
      expect(order.status).toBe(200);
      expect(order.body.storeId).toBe(expected);
    }
  });
});
