/**
 * Outbound events on Workers, in real workerd (wrangler dev, local Cloudflare Queues) against the local Postgres:
 * an order's event is delivered by the WEBHOOKS queue consumer to a receiver on loopback that fails the first
 * attempt; the retry (a delayed queue tick) carries the same webhook-id and a signature the standardwebhooks
 * verifier accepts.
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant } from "../../src/merchants/service.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { apiClient, type Api } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { startWorker, type RunningWorker } from "../helpers/wrangler.ts";
import { startReceiver, type Receiver } from "../webhooks/receiver.ts";

let d: TestDatabase;
let w: RunningWorker;
let rx: Receiver;
let api: Api;

beforeAll(async () => {
  d = await openTestDatabase();
  const m = await createMerchant(d.db, { name: "Worker webhooks" });
  api = (...args) => apiClient(w.url, m.apiKey)(...args);
  rx = await startReceiver((n) => (n === 0 ? 500 : 200));
  w = await startWorker({ databaseUrl: d.url!, vars: { WEBHOOK_ALLOW_PRIVATE_URLS: "true", LOG_LEVEL: "warn" } });
}, 120_000);

afterAll(async () => {
  await w?.stop();
  await rx?.close();
  await d?.close();
});

describe("outbound events through the Workers queue", () => {
  it("delivers an order's event, retried after a 500 under the same webhook-id", { timeout: 90_000 }, async () => {
    const hook = await api("POST", "/v1/webhooks", { url: rx.url, events: ["points.earned"] });
    expect(hook.status).toBe(201);
    const m = await api("POST", "/v1/members", { phone: "0914000001" });
    const o = await api("POST", "/v1/orders", {
      externalId: "WQ-1",
      memberId: m.body.id,
      items: [{ sku: "CF", quantity: 1, unitPrice: 100_000 }],
    });
    expect(o.status).toBe(201);
    const delivered = await waitFor(
      "the event to be delivered",
      async () => {
        const log = await api("GET", `/v1/webhooks/${hook.body.id}/deliveries`);
        return log.body.deliveries?.[0]?.status === "delivered" ? log.body.deliveries[0] : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, detail: () => w.output() },
    );
    expect(delivered).toMatchObject({ attempts: 2, lastStatus: 200, eventType: "points.earned" });
    expect(rx.requests.map((r) => r.answered)).toEqual([500, 200]);
    const wh = new Webhook(hook.body.secret);
    for (const r of rx.requests) {
      expect(r.headers["webhook-id"]).toBe(delivered.id);
      expect(wh.verify(r.body, r.headers)).toMatchObject({
        type: "points.earned",
        data: { orderExternalId: "WQ-1", points: o.body.pointsEarned },
      });
    }
  });
});
