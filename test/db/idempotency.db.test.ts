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
});
