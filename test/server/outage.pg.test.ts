/**
 * A Postgres outage under load: the real Node entry against a private Postgres server that is stopped
 * (`pg_ctl stop -m immediate`) while 8 clients post orders. The process must stay up, answer 503 problem+json with
 * Retry-After (and /healthz 503 within 1 s) meanwhile, recover without a restart once Postgres is back, and keep
 * every acknowledged order exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { createMerchant } from "../../src/merchants/service.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { apiClient } from "../helpers/server.ts";
import { startNodeServer, type RunningServer } from "../helpers/node-server.ts";
import { startOwnPostgres, waitFor, type OwnPostgres } from "../helpers/own-postgres.ts";

const CLIENTS = 8;
let pg: OwnPostgres;
let server: RunningServer;
let apiKey: string;
const memberIds: string[] = [];

beforeAll(async () => {
  pg = await startOwnPostgres();
  const d = openPostgres(pg.url, { max: 2 });
  await migrateDatabase(d, pg.url);
  ({ apiKey } = await createMerchant(d.db, { name: "Outage shop" }));
  await d.close();
  server = await startNodeServer({
    DATABASE_URL: pg.url,
    DB_CONNECT_TIMEOUT_SECONDS: "2",
    DB_POOL_MAX: "8",
    LOG_LEVEL: "warn",
  });
  const api = apiClient(server.url, apiKey);
  expect((await api("PUT", "/v1/program", { currency: "VND", earn: { spend: 10000, points: 1 } })).status).toBe(200);
  for (let i = 0; i < CLIENTS; i++) {
    const m = await api("POST", "/v1/members", { phone: `09${String(30_000_000 + i)}`, name: `Outage ${i}` });
    expect(m.status).toBe(201);
    memberIds.push(m.body.id as string);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop("SIGKILL");
  await pg?.destroy();
});

interface Outcome {
  status: number | "timeout" | "network";
  retryAfter: string | null;
  type: string | null;
  body: unknown;
}

describe("Postgres outage under load", () => {
  it("stays up, answers 503 meanwhile, recovers, and loses or duplicates no acknowledged order", async () => {
    const acked = new Set<string>();
    const outcomes: Outcome[] = [];
    let phase: "before" | "down" | "recovering" | "after" = "before";
    const during: Outcome[] = [];
    let ackedAfter = 0;
    let stop = false;

    const client = async (i: number) => {
      for (let seq = 0; !stop; seq++) {
        const externalId = `OUT-${i}-${seq}`;
        const started = phase;
        let o: Outcome;
        try {
          const r = await fetch(`${server.url}/v1/orders`, {
            method: "POST",
            headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
            body: JSON.stringify({
              externalId,
              memberId: memberIds[i],
              placedAt: new Date().toISOString(),
              items: [{ sku: `SKU-${i}`, quantity: 1, unitPrice: 50_000 }],
            }),
            signal: AbortSignal.timeout(10_000),
          });
          o = {
            status: r.status,
            retryAfter: r.headers.get("retry-after"),
            type: r.headers.get("content-type"),
            body: await r.json(),
          };
        } catch (err) {
          o = {
            status: (err as Error).name === "TimeoutError" ? "timeout" : "network",
            retryAfter: null,
            type: null,
            body: String(err),
          };
        }
        outcomes.push(o);
        if (typeof o.status === "number" && o.status < 300) {
          acked.add(externalId);
          if (started === "after" && phase === "after") ackedAfter++;
        }
        if (started === "down" && phase === "down") during.push(o);
      }
    };
    const load = Array.from({ length: CLIENTS }, (_, i) => client(i));

    await waitFor("orders before the outage", () => acked.size >= 40);
    await pg.stopImmediate();
    phase = "down";

    const summary = () =>
      JSON.stringify({ during: during.slice(-5), n: during.length, log: server.stderr().slice(-3000) });
    await waitFor("503s during the outage", () => during.filter((o) => o.status === 503).length >= 30).catch(
      (err: Error) => {
        throw new Error(`${err.message}: ${summary()}`);
      },
    );
    const t0 = performance.now();
    const health = await fetch(`${server.url}/healthz`);
    const healthMs = performance.now() - t0;
    expect(health.status).toBe(503);
    expect(healthMs).toBeLessThan(1000);
    expect(await health.json()).toMatchObject({ status: "error", database: "down", version: expect.any(String) });
    expect(server.child.exitCode).toBeNull();

    // Requests waiting for a connection may succeed as soon as Postgres accepts again, before `pg.start()` returns:
    // from here on a success is recovery, not an answer given during the outage.
    phase = "recovering";
    await pg.start();
    phase = "after";
    await waitFor("healthz ok again", async () => (await fetch(`${server.url}/healthz`)).status === 200);
    await waitFor("orders after recovery", () => ackedAfter >= 40);
    stop = true;
    await Promise.all(load);

    // During the outage: only 503 problem+json with Retry-After (never a 500, never a hang).
    expect(during.length).toBeGreaterThan(0);
    for (const o of during) {
      expect(o, JSON.stringify(o)).toMatchObject({
        status: 503,
        type: expect.stringContaining("application/problem+json"),
      });
      expect(Number(o.retryAfter)).toBeGreaterThan(0);
    }
    expect(outcomes.filter((o) => o.status === "timeout" || o.status === "network")).toEqual([]);
    expect(server.child.exitCode).toBeNull();

    // Nothing acknowledged was lost or duplicated.
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ external_id: string; n: number }[]>`
        select external_id, count(*)::int as n from orders where external_id like 'OUT-%' group by external_id`;
      const stored = new Map(rows.map((r) => [r.external_id, r.n]));
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
      expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await sql.end();
    }
    expect(server.stderr()).not.toContain("fatal");
    expect(await server.stop()).toBe(0);
  }, 180_000);
});
