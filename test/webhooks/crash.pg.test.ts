/**
 * kill -9 between the ledger write and the delivery: the real server (src/node.ts on Postgres) commits an order with
 * its outbox row and is killed (SIGKILL) — once while the delivery attempt is in flight (the receiver holds the
 * request open), once right after the order's 201. After a restart every event reaches the receiver and is
 * acknowledged exactly once, every request of one event under the same `webhook-id`, each signature valid.
 */
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../src/db/rows.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { startNodeServer, type RunningServer } from "../helpers/node-server.ts";
import { apiClient, type Api } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

let d: TestDatabase;
let rx: Receiver;
let server: RunningServer | undefined;
beforeAll(async () => {
  d = await openTestDatabase();
  // The first request is held open (the server dies with it in flight); every later one is acknowledged.
  rx = await startReceiver((n) => (n === 0 ? "hang" : 200));
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await rx.close();
  await d.close();
});

const start = () =>
  startNodeServer({
    DATABASE_URL: d.url!,
    WEBHOOK_ALLOW_PRIVATE_URLS: "true",
    WEBHOOK_TIMEOUT_SECONDS: "3",
    LOG_LEVEL: "error",
  });

async function order(api: Api, externalId: string, memberId: string): Promise<void> {
  const o = await api("POST", "/v1/orders", {
    externalId,
    memberId,
    items: [{ sku: "CF", quantity: 2, unitPrice: 50_000 }],
  });
  expect(o.status).toBe(201);
}

const messages = async () =>
  resultRows<{ id: string; status: string; attempts: number; order_external_id: string }>(
    await d.db.execute(sql`select id, status, attempts, payload->'data'->>'orderExternalId' as order_external_id
        from webhook_messages order by created_at`),
  );

describe("outbound events survive kill -9", () => {
  it("an event committed with the order is delivered once after a restart", { timeout: 180_000 }, async () => {
    const { apiKey } = await createMerchant(d.db, { name: "crash" });
    server = await start();
    let api = apiClient(server.url, apiKey);
    const hook = await api("POST", "/v1/webhooks", { url: rx.url, events: ["points.earned"] });
    expect(hook.status).toBe(201);
    const member = await api("POST", "/v1/members", { phone: "0913000001" });

    // 1: killed while the attempt is in flight (the receiver got it and has not answered).
    await order(api, "CRASH-1", member.body.id);
    await waitFor("the first attempt to reach the receiver", () => rx.requests.length >= 1, { timeoutMs: 30_000 });
    await server.stop("SIGKILL");
    expect((await messages()).map((m) => [m.status, m.attempts])).toEqual([["pending", 1]]);

    // 2: a second life, killed right after an order's 201 (before or during its first attempt).
    server = await start();
    api = apiClient(server.url, apiKey);
    await order(api, "CRASH-2", member.body.id);
    await server.stop("SIGKILL");

    // 3: runs until both are delivered (the first after its attempt's lease ran out).
    server = await start();
    await waitFor(
      "both events delivered",
      async () => {
        const rows = await messages();
        return rows.length === 2 && rows.every((m) => m.status === "delivered");
      },
      { timeoutMs: 90_000, intervalMs: 200, detail: () => server!.stderr() },
    );

    const rows = await messages();
    expect(rows.map((m) => m.order_external_id)).toEqual(["CRASH-1", "CRASH-2"]); // one event per ledger change
    const wh = new Webhook(hook.body.secret);
    for (const m of rows) {
      const mine = rx.requests.filter((r) => r.headers["webhook-id"] === m.id);
      expect(
        mine.filter((r) => r.answered === 200),
        m.order_external_id,
      ).toHaveLength(1); // acknowledged once
      for (const r of mine) expect((wh.verify(r.body, r.headers) as { type: string }).type).toBe("points.earned");
    }
    // Every request the receiver saw belongs to one of the two events: nothing invented.
    expect(new Set(rx.requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set(rows.map((m) => m.id)));
    expect(rx.requests.filter((r) => r.headers["webhook-id"] === rows[0]!.id).length).toBe(2); // in flight + retry
  });
});
