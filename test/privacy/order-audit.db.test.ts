/**
 * Order ingestion writes its audit entry in the order's own transaction (issue 18: one commit per order, not two):
 * the one-statement path (cl_place_order, guests and members by id) and the locking path (by phone) alike. The entry
 * is the one the audit middleware writes for any other write, and a replay is still audited (by the middleware).
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/rows.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

/** The order's audit entry and whether the same transaction wrote both rows (equal xmin: one transaction id). */
const Row = z.object({
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  status: z.number(),
  request_id: z.string(),
  same_tx: z.boolean(),
});
async function entriesFor(merchantId: string, externalId: string) {
  return queryRows(
    s.database.db,
    sql`select a.actor, a.action, a.target, a.status, a.request_id, a.xmin::text = o.xmin::text as same_tx
        from audit_log a join orders o on o.merchant_id = a.merchant_id and o.external_id = ${externalId}
        where a.merchant_id = ${merchantId} and a.action = 'POST /v1/orders'
        order by a.id`,
    Row,
  );
}

describe("order audit entries", () => {
  it.each([
    ["a member by id (one statement)", "id"],
    ["a guest (one statement)", "guest"],
    ["a member by phone (locking transaction)", "phone"],
  ] as const)("%s: one entry, written with the order; a replay adds the middleware's", async (_, how) => {
    const { merchantId, api } = await s.merchant();
    const m = (await api("POST", "/v1/members", { phone: "0912000777" })).body;
    const who = how === "id" ? { memberId: m.id } : how === "phone" ? { memberPhone: "0912000777" } : {};
    const order = { externalId: `audit-${how}`, ...who, items: [{ sku: "A", quantity: 2, unitPrice: 50_000 }] };
    const first = await api("POST", "/v1/orders", order, { "x-request-id": `req-${how}-1` });
    expect(first.status).toBe(201);
    const [key] = (await api("GET", "/v1/audit-log?action=POST%20%2Fv1%2Fmembers")).body.entries;
    const actor = key.actor as string;
    expect(await entriesFor(merchantId, order.externalId)).toEqual([
      {
        actor,
        action: "POST /v1/orders",
        target: "/v1/orders",
        status: 201,
        request_id: `req-${how}-1`,
        same_tx: true,
      },
    ]);

    const replay = await api("POST", "/v1/orders", order, { "x-request-id": `req-${how}-2` });
    expect(replay.body).toEqual(first.body);
    const after = await entriesFor(merchantId, order.externalId);
    expect(after.map((e) => [e.request_id, e.same_tx])).toEqual([
      [`req-${how}-1`, true],
      [`req-${how}-2`, false],
    ]);
    // Refused: no entry, as for every other write.
    expect((await api("POST", "/v1/orders", { ...order, items: [] })).status).toBe(400);
    expect(await entriesFor(merchantId, order.externalId)).toHaveLength(2);
  });
});
