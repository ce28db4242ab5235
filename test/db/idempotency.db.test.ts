/**
 * One home for idempotency: the TypeScript wrapper and cl_place_order claim and replay keys through the same SQL
 * (cl_idempotent_claim / cl_idempotent_replay) and decide same-request-or-conflict in one place (replayOrConflict),
 * so a key stored by either path replays, or conflicts, identically through the other.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idempotent } from "../../src/db/idempotency.ts";
import { resultRows } from "../../src/db/rows.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createMember } from "../../src/members/service.ts";
import { createOrder, orderContentHash } from "../../src/orders/service.ts";
import type { CreateOrderInput } from "../../src/orders/schemas.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

let database: TestDatabase;
let merchantId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  merchantId = (await createMerchant(database.db, { name: "Idempotency shop" })).merchantId;
});
afterAll(async () => {
  await database?.close();
});

/** A guest order written by cl_place_order itself (the hot path), storing `response` under `key`. */
async function placeGuest(key: string, hash: string, response: unknown) {
  const now = new Date().toISOString();
  const p = {
    merchantId,
    memberId: null,
    externalId: key,
    hash,
    now,
    placedAt: now,
    windowFrom: now,
    expect: {},
    orderId: `ord_${key}`,
    channel: "pos",
    total: 100,
    offerCodes: [],
    pointsEarned: 0,
    creditEarned: 0,
    cashback: 0,
    credits: [],
    upgradeTo: null,
    response: JSON.stringify(response),
    lines: [],
    products: [],
  };
  const [row] = resultRows<{ r: string }>(
    await database.db.execute(sql`select cl_place_order(${JSON.stringify(p)}::text::jsonb)::text as r`),
  );
  return JSON.parse(row!.r) as { r: string; hash?: string; status?: number; response?: string };
}

describe("idempotency, one home", () => {
  it("a key stored by cl_place_order replays through idempotent() with the same hash, 409 with another", async () => {
    expect((await placeGuest("k1", "hash-1", { id: 1 })).r).toBe("ok");
    let ran = 0;
    const run = async () => ({ status: 201, body: { id: 2 }, ran: ran++ });
    const replay = await database.db.transaction((tx) => idempotent(tx, merchantId, "orders", "k1", "hash-1", run));
    expect(replay).toEqual({ status: 201, body: { id: 1 }, replayed: true });
    await expect(
      database.db.transaction((tx) => idempotent(tx, merchantId, "orders", "k1", "hash-2", run)),
    ).rejects.toMatchObject({ status: 409, slug: "idempotency-conflict" });
    expect(ran).toBe(0);
  });

  it("a key stored by idempotent() is a replay for cl_place_order, with the stored response", async () => {
    const first = await database.db.transaction((tx) =>
      idempotent(tx, merchantId, "orders", "k2", "hash-a", async () => ({ status: 201, body: { id: "first" } })),
    );
    expect(first).toEqual({ status: 201, body: { id: "first" }, replayed: false });
    const out = await placeGuest("k2", "hash-b", { id: "second" });
    expect(out).toMatchObject({ r: "replay", hash: "hash-a", status: 201, response: JSON.stringify({ id: "first" }) });
  });

  it("a rolled-back claim frees the key", async () => {
    await expect(
      database.db.transaction((tx) =>
        idempotent(tx, merchantId, "orders", "k3", "hash-x", async () => {
          throw new Error("effect failed");
        }),
      ),
    ).rejects.toThrow("effect failed");
    expect((await placeGuest("k3", "hash-y", { id: 3 })).r).toBe("ok");
  });

  it("an order's stored response names its earn entry's breakdown; every replay gets the same text back", async () => {
    const { id: memberId } = await createMember(database.db, merchantId, { phone: "+84912000777" }, new Date());
    const input: CreateOrderInput = {
      externalId: "k-earn",
      memberId,
      channel: "pos",
      items: [
        { sku: "CF-01", name: "Cà phê", category: "coffee", quantity: 2, unitPrice: 35000, discount: 0 },
        { sku: "BM-01", quantity: 1, unitPrice: 25000, discount: 5000 },
      ],
    };
    const first = await createOrder(database.db, merchantId, input, new Date());
    expect(first.status).toBe(201);
    expect(first.body.breakdown).toMatchObject({ earn: first.body.pointsEarned });
    const [stored] = resultRows<{ response: string }>(
      await database.db.execute(
        sql`select response from idempotency_keys where merchant_id = ${merchantId} and scope = 'orders' and key = 'k-earn'`,
      ),
    );
    expect(stored!.response).toContain('"breakdown":"ledger:earn"');
    expect(stored!.response.length).toBeLessThan(JSON.stringify(first.body).length - 100);
    // The one-statement path's replay, and the TypeScript wrapper's, both splice the breakdown back: same text.
    const again = await createOrder(database.db, merchantId, input, new Date());
    expect(again.replayed).toBe(true);
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(first.body));
    const hash = await orderContentHash(input);
    const wrapped = await database.db.transaction((tx) =>
      idempotent(tx, merchantId, "orders", "k-earn", hash, async () => ({ status: 500, body: null })),
    );
    expect(wrapped.replayed).toBe(true);
    expect(JSON.stringify(wrapped.body)).toBe(JSON.stringify(first.body));
  });

  it("an order without an earn entry stores its whole response", async () => {
    const input: CreateOrderInput = {
      externalId: "k-guest",
      channel: "pos",
      items: [{ sku: "CF-01", quantity: 1, unitPrice: 35000, discount: 0 }],
    };
    const first = await createOrder(database.db, merchantId, input, new Date());
    const [stored] = resultRows<{ response: string }>(
      await database.db.execute(
        sql`select response from idempotency_keys where merchant_id = ${merchantId} and scope = 'orders' and key = 'k-guest'`,
      ),
    );
    expect(stored!.response).toBe(JSON.stringify(first.body));
  });
});
