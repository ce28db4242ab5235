/**
 * Outbound events end to end over loopback: the API registers an endpoint, ledger changes write the outbox in their
 * own transaction, the delivery engine signs and POSTs them to a real receiver that fails the first tries, and the
 * receiver verifies every request with the standardwebhooks package's own verifier.
 */
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../src/db/rows.ts";
import { creditPoints, lockMember } from "../../src/ledger/ledger.ts";
import { createSecretBox } from "../../src/lib/secret-box.ts";
import {
  deliverDue,
  fetchPost,
  MAX_ATTEMPTS,
  retryDelaySeconds,
  type DeliverOptions,
} from "../../src/webhooks/deliver.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

let s: TestServer;
let strict: TestServer;
beforeAll(async () => {
  // Unset WEBHOOK_ALLOW_PRIVATE_URLS outside production: receivers on 127.0.0.1 are allowed (the default).
  s = await startTestServer();
  strict = await startTestServer({ database: s.database, env: { WEBHOOK_ALLOW_PRIVATE_URLS: "false" } });
});
afterAll(async () => {
  await strict.close();
  await s.close();
});

const send = (): DeliverOptions => ({
  now: s.clock.now(),
  post: fetchPost,
  box: createSecretBox(s.config.SECRETS_KEY),
  timeoutMs: 5000,
  allowPrivate: true,
});

async function register(api: Api, url: string, events: string[]) {
  const r = await api("POST", "/v1/webhooks", { url, events });
  expect(r.status).toBe(201);
  return r.body as { id: string; secret: string; url: string; events: string[] };
}

async function order(api: Api, externalId: string, memberId: string, unitPrice = 100_000) {
  const o = await api("POST", "/v1/orders", {
    externalId,
    memberId,
    items: [{ sku: "CF", name: "Cà phê", quantity: 1, unitPrice }],
  });
  expect(o.status).toBe(201);
  return o.body as { orderId: string; pointsEarned: number };
}

/** The tests share one database: messages other tests left pending must not be delivered by this test's passes. */
async function quiesce() {
  await s.database.db.execute(sql`update webhook_messages set status = 'cancelled' where status = 'pending'`);
}

function verify(secret: string, req: { headers: Record<string, string>; body: string }) {
  return new Webhook(secret).verify(req.body, req.headers) as {
    type: string;
    timestamp: string;
    data: Record<string, unknown>;
  };
}

describe("outbound events", () => {
  let rx: Receiver;
  afterAll(async () => rx?.close());

  it("a receiver failing the first tries gets the event with the same webhook-id, signed", async () => {
    await quiesce();
    rx = await startReceiver((n) => (n < 2 ? 500 : 204));
    const { api } = await s.merchant();
    const hook = await register(api, rx.url, ["points.earned", "member.created"]);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const m = await api("POST", "/v1/members", { phone: "0912000001", name: "Hoa" });
    const o = await order(api, "WH-1", m.body.id);
    expect(o.pointsEarned).toBeGreaterThan(0);

    // 1st pass: both events (member.created, points.earned) fail with 500 and are rescheduled.
    expect(await deliverDue(s.database.db, send())).toMatchObject({ claimed: 2, retrying: 2 });
    expect(await deliverDue(s.database.db, send())).toMatchObject({ claimed: 0 }); // not due yet
    s.clock.advance(retryDelaySeconds(1) * 1000);
    expect(await deliverDue(s.database.db, send())).toMatchObject({ claimed: 2, delivered: 2 });

    expect(rx.requests).toHaveLength(4);
    const byId = new Map<string, string[]>();
    for (const req of rx.requests) {
      const payload = verify(hook.secret, req); // throws on a bad signature or timestamp
      byId.set(req.headers["webhook-id"]!, [...(byId.get(req.headers["webhook-id"]!) ?? []), payload.type]);
    }
    // Two messages, each sent twice under one id.
    expect([...byId.values()].map((types) => types.join()).sort()).toEqual([
      "member.created,member.created",
      "points.earned,points.earned",
    ]);
    const earned = verify(hook.secret, rx.requests.find((r) => r.body.includes("points.earned"))!);
    expect(earned.data).toMatchObject({
      memberId: m.body.id,
      kind: "earn",
      points: o.pointsEarned,
      orderId: o.orderId,
      orderExternalId: "WH-1",
    });
    expect(earned.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // A tampered body or another secret does not verify.
    const req = rx.requests[0]!;
    expect(() => new Webhook(hook.secret).verify(`${req.body} `, req.headers)).toThrow();
    expect(() =>
      new Webhook(`whsec_${btoa("another secret of 32 bytes!!!!!!")}`).verify(req.body, req.headers),
    ).toThrow();

    // The delivery log: newest first, with attempts and the last outcome.
    const log = await api("GET", `/v1/webhooks/${hook.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body.deliveries).toHaveLength(2);
    for (const d of log.body.deliveries)
      expect(d).toMatchObject({
        status: "delivered",
        attempts: 2,
        lastStatus: 204,
        lastError: null,
        nextAttemptAt: null,
      });
    expect(new Set(log.body.deliveries.map((d: { id: string }) => d.id))).toEqual(new Set(byId.keys()));

    // Manual replay: the same id and body again.
    const target = log.body.deliveries.find((d: { eventType: string }) => d.eventType === "points.earned");
    const replay = await api("POST", `/v1/webhooks/${hook.id}/deliveries/${target.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: target.id, status: "pending", attempts: 0 });
    expect(await deliverDue(s.database.db, send())).toMatchObject({ claimed: 1, delivered: 1 });
    const last = rx.requests.at(-1)!;
    expect(last.headers["webhook-id"]).toBe(target.id);
    expect(verify(hook.secret, last)).toEqual(earned);
  });

  it("another merchant can neither see nor replay nor delete an endpoint (404)", async () => {
    const a = await s.merchant();
    const b = await s.merchant();
    const hook = await register(a.api, "http://127.0.0.1:9/x", ["points.earned"]);
    const m = await a.api("POST", "/v1/members", { phone: "0912000002" });
    await order(a.api, "WH-2", m.body.id);
    const [msg] = await resultRows<{ id: string }>(
      await s.database.db.execute(sql`select id from webhook_messages where endpoint_id = ${hook.id}`),
    );
    expect(msg).toBeDefined();
    expect((await b.api("GET", "/v1/webhooks")).body.webhooks).toEqual([]);
    expect((await b.api("GET", `/v1/webhooks/${hook.id}/deliveries`)).status).toBe(404);
    const r = await b.api("POST", `/v1/webhooks/${hook.id}/deliveries/${msg!.id}/replay`);
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect((await b.api("DELETE", `/v1/webhooks/${hook.id}`)).status).toBe(404);
    // A's own delivery id under another of A's endpoints is not found either.
    const other = await register(a.api, "http://127.0.0.1:9/y", ["tier.changed"]);
    expect((await a.api("POST", `/v1/webhooks/${other.id}/deliveries/${msg!.id}/replay`)).status).toBe(404);
    const listed = (await a.api("GET", "/v1/webhooks")).body.webhooks;
    expect(listed.map((w: { id: string }) => w.id)).toEqual([hook.id, other.id]);
    expect(JSON.stringify(listed)).not.toContain("whsec_");
    expect(JSON.stringify(listed)).not.toContain("secret");
  });

  it("bad input → 400 problem+json with a field path, nothing written", async () => {
    const { api, merchantId } = await s.merchant();
    for (const [body, path] of [
      [{ url: "ftp://example.com/x", events: ["points.earned"] }, "url"],
      [{ url: "not a url", events: ["points.earned"] }, "url"],
      [{ url: "https://user:pw@example.com/x", events: ["points.earned"] }, "url"],
      [{ url: "https://example.com/x", events: [] }, "events"],
      [{ url: "https://example.com/x", events: ["points.minted"] }, "events.0"],
      [{ url: "https://example.com/x" }, "events"],
      [{ events: ["points.earned"] }, "url"],
      [{ url: "https://example.com/\u0000", events: ["points.earned"] }, "url"],
    ] as const) {
      const r = await api("POST", "/v1/webhooks", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body.errors[0].path).toBe(path);
    }
    const q = await api("GET", "/v1/webhooks/whe_nope/deliveries?limit=0");
    expect(q.status).toBe(400);
    expect((await api("GET", "/v1/webhooks/whe_nope/deliveries")).status).toBe(404);
    expect((await api("DELETE", "/v1/webhooks/whe_nope")).status).toBe(404);
    const [n] = await resultRows<{ n: string | number }>(
      await s.database.db.execute(sql`select count(*) as n from webhook_endpoints where merchant_id = ${merchantId}`),
    );
    expect(Number(n!.n)).toBe(0);
  });

  it("refuses private, loopback and link-local URLs when WEBHOOK_ALLOW_PRIVATE_URLS=false (and always in production)", async () => {
    const m = await strict.merchant();
    for (const url of [
      "http://127.0.0.1:8787/x",
      "http://localhost/x",
      "http://169.254.169.254/latest/meta-data",
      "http://10.1.2.3/x",
      "http://[::1]/x",
      "http://[::ffff:192.168.0.1]/x",
      "http://2130706433/x",
      "http://intranet/x",
    ]) {
      const r = await m.api("POST", "/v1/webhooks", { url, events: ["points.earned"] });
      expect(r.status, url).toBe(400);
      expect(r.body.errors[0].path).toBe("url");
    }
    expect(
      (await m.api("POST", "/v1/webhooks", { url: "https://hooks.example.com/a", events: ["points.earned"] })).status,
    ).toBe(201);
  });

  it("the outbox row commits or rolls back with the ledger change", async () => {
    const { api, merchantId } = await s.merchant();
    const hook = await register(api, "http://127.0.0.1:9/x", ["points.adjusted"]);
    const m = await api("POST", "/v1/members", { phone: "0912000003" });
    const count = async () =>
      Number(
        (
          await resultRows<{ n: string | number }>(
            await s.database.db.execute(sql`select count(*) as n from webhook_messages where endpoint_id = ${hook.id}`),
          )
        )[0]!.n,
      );
    await expect(
      s.database.db.transaction(async (tx) => {
        const member = (await lockMember(tx, merchantId, m.body.id))!;
        const now = s.clock.now();
        await creditPoints(tx, member, "adjust", 5, { at: now, availableAt: now, expiresAt: null });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await count()).toBe(0);
    await api("POST", `/v1/members/${m.body.id}/adjustments`, { points: 5, reason: "gift" });
    expect(await count()).toBe(1);
    // Events nobody subscribed to write nothing.
    await order(api, "WH-3", m.body.id);
    expect(await count()).toBe(1);
  });

  it("redemption, voucher use, refund and deletion: each event once; a deleted endpoint gets nothing more", async () => {
    const { api } = await s.merchant();
    const hook = await register(api, "http://127.0.0.1:9/x", [
      "points.redeemed",
      "reward.redeemed",
      "voucher.used",
      "points.reversed",
    ]);
    const m = await api("POST", "/v1/members", { phone: "0912000004" });
    await api("POST", `/v1/members/${m.body.id}/adjustments`, { points: 100, reason: "start" });
    const reward = await api("POST", "/v1/rewards", { name: "Cup", cost: 40, kind: "voucher", value: 10000 });
    const red = await api("POST", `/v1/members/${m.body.id}/redemptions`, { rewardId: reward.body.id });
    expect(red.status).toBe(201);
    expect((await api("POST", `/v1/vouchers/${red.body.code}/use`, {})).status).toBe(200);
    await order(api, "WH-4", m.body.id);
    expect((await api("POST", "/v1/orders/WH-4/refunds", { externalId: "R-4" })).status).toBe(201);
    const log = (await api("GET", `/v1/webhooks/${hook.id}/deliveries`)).body.deliveries;
    const types = log.map((d: { eventType: string }) => d.eventType).sort();
    expect(types).toEqual(["points.redeemed", "points.reversed", "reward.redeemed", "voucher.used"]);
    const byType = Object.fromEntries(
      log.map((d: { eventType: string; payload: { data: Record<string, unknown> } }) => [d.eventType, d.payload.data]),
    );
    expect(byType["points.redeemed"]).toMatchObject({ points: -40, redemptionId: red.body.redemptionId });
    expect(byType["reward.redeemed"]).toMatchObject({ pointsSpent: 40, code: red.body.code, rewardId: reward.body.id });
    expect(byType["voucher.used"]).toMatchObject({ redemptionId: red.body.redemptionId });
    expect(byType["points.reversed"]).toMatchObject({ kind: "refund", orderExternalId: "WH-4" });
    expect(Number(byType["points.reversed"]!.points)).toBeLessThan(0);

    expect((await api("DELETE", `/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect((await api("GET", `/v1/webhooks/${hook.id}/deliveries`)).status).toBe(404);
    const left = await resultRows<{ status: string }>(
      await s.database.db.execute(sql`select status from webhook_messages where endpoint_id = ${hook.id}`),
    );
    expect(left.map((r) => r.status)).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);
    await api("POST", `/v1/members/${m.body.id}/redemptions`, { rewardId: reward.body.id });
    expect(
      resultRows(await s.database.db.execute(sql`select 1 from webhook_messages where endpoint_id = ${hook.id}`)),
    ).toHaveLength(4);
  });

  it("concurrent orders (group commit on Postgres) and a tier change: one event per ledger entry and per change", async () => {
    const { api } = await s.merchant();
    await api("PUT", "/v1/program", {
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 1_000_000, multiplier: 1.5 },
      ],
    });
    const hook = await register(api, "http://127.0.0.1:9/x", ["points.earned", "tier.changed"]);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await api("POST", "/v1/members", { phone: `091200010${i}` })).body.id);
    const placed = await Promise.all(
      Array.from({ length: 24 }, (_, i) => order(api, `CC-${i}`, ids[i % ids.length]!, 100_000)),
    );
    const big = await order(api, "CC-BIG", ids[0]!, 2_000_000);
    const log = (await api("GET", `/v1/webhooks/${hook.id}/deliveries?limit=200`)).body.deliveries as {
      eventType: string;
      payload: { data: Record<string, unknown> };
    }[];
    const earned = log.filter((d) => d.eventType === "points.earned").map((d) => d.payload.data);
    expect(earned.map((e) => e.orderExternalId).sort()).toEqual(
      [...Array.from({ length: 24 }, (_, i) => `CC-${i}`), "CC-BIG"].sort(),
    );
    expect(earned.reduce((n, e) => n + Number(e.points), 0)).toBe(
      [...placed, big].reduce((n, o) => n + o.pointsEarned, 0),
    );
    const tiers = log.filter((d) => d.eventType === "tier.changed").map((d) => d.payload.data);
    expect(tiers).toContainEqual({ memberId: ids[0], from: "Silver", to: "Gold" });
    expect(tiers.filter((t) => t.to === "Gold")).toHaveLength(1);
  });

  it("retries with exponential backoff for more than 24 h, then marks the delivery failed", async () => {
    await quiesce();
    const down = await startReceiver(() => 503);
    try {
      const { api } = await s.merchant();
      const hook = await register(api, down.url, ["member.created"]);
      await api("POST", "/v1/members", { phone: "0912000005" });
      const start = s.clock.now().getTime();
      let lastAttemptAt = start;
      for (let n = 1; n <= MAX_ATTEMPTS; n++) {
        const [due] = await resultRows<{ next_attempt_at: string | Date }>(
          await s.database.db.execute(sql`select next_attempt_at from webhook_messages where endpoint_id = ${hook.id}`),
        );
        s.clock.set(new Date(due!.next_attempt_at));
        lastAttemptAt = s.clock.now().getTime();
        expect(await deliverDue(s.database.db, send())).toMatchObject({ claimed: 1 });
      }
      expect(down.requests).toHaveLength(MAX_ATTEMPTS);
      expect(new Set(down.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
      expect(lastAttemptAt - start).toBeGreaterThanOrEqual(24 * 3600 * 1000);
      const [d] = (await api("GET", `/v1/webhooks/${hook.id}/deliveries`)).body.deliveries;
      expect(d).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, lastStatus: 503, lastError: "HTTP 503" });
      s.clock.advanceDays(2);
      expect(await deliverDue(s.database.db, send())).toMatchObject({ claimed: 0 });
    } finally {
      await down.close();
    }
  });
});
