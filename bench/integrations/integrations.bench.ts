/**
 * Integrations benchmark: Shopify orders/create deliveries per second through POST /hooks/shopify/{id} (raw-body
 * HMAC verification, connection look-up, mapping, member match by phone, the order, the delivery log) as a ratio of
 * POST /v1/orders in the same run, same server, same members, same lines (target ≥ 0.8×). The server is a child
 * `src/node.ts` on a fresh Postgres database. Usage: npm run bench -- integrations [--orders 4000] [--clients 8]
 */
import { createHmac } from "node:crypto";
import { Agent } from "node:http";
import postgres from "postgres";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { members } from "../../src/db/schema.ts";
import { newId } from "../../src/lib/ids.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { startNodeServer } from "../../test/helpers/node-server.ts";
import { post } from "../lib/http.ts";
import { flag, machine, percentile, table } from "../lib/stats.ts";

const ADMIN = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECRET = "bench-shopify-secret-0123456789";

function dbUrl(name: string): string {
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The same order as a Shopify webhook body (VND decimal strings, an 18-digit id) and as a POST /v1/orders body. */
function order(i: number, phone: string, prefix: string) {
  const lines = [1, 2, 3]
    .slice(0, 1 + (i % 3))
    .map((k) => ({ sku: `SKU-${(i * 7 + k) % 500}`, q: k, price: 10000 + ((i + k) % 90) * 1000 }));
  const shopify = `{"id": ${820982911946000000n + BigInt(i)}, "currency": "VND", "created_at": "2026-11-20T09:15:00+07:00", "email": null, "customer": {"id": 1, "phone": "${phone}"}, "total_discounts": "0.00", "line_items": [${lines
    .map(
      (l, k) =>
        `{"id": ${i * 10 + k}, "sku": "${l.sku}", "name": "Item", "quantity": ${l.q}, "price": "${l.price}.00", "total_discount": "0.00"}`,
    )
    .join(", ")}]}`;
  const api = JSON.stringify({
    externalId: `${prefix}-${i}`,
    memberPhone: phone,
    channel: "online",
    placedAt: "2026-11-20T02:15:00Z",
    items: lines.map((l) => ({ sku: l.sku, name: "Item", quantity: l.q, unitPrice: l.price })),
  });
  return { shopify, api };
}

async function load(total: number, clients: number, send: (i: number) => Promise<number>, okStatus: number) {
  let next = 0;
  let failures = 0;
  const lat: number[] = [];
  // `clients` workers take the next order number until none is left.
  const worker = async () => {
    while (next < total) {
      const t = performance.now();
      if ((await send(next++)) !== okStatus) failures++;
      lat.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  return { rate: total / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), failures };
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- integrations [options]\n" +
        "  Shopify orders/create deliveries/s through POST /hooks/shopify/{id} vs POST /v1/orders, child src/node.ts on " +
        "a fresh Postgres database; target: ≥ 0.8 × POST /v1/orders\n" +
        "  --orders N: orders per path, in two alternating halves; the memberId path gets N/2 (default 4000)\n" +
        "  --clients N: concurrent clients (default 8)\n",
    );
    return 0;
  }
  const total = flag(args, "orders", 4000);
  const clients = flag(args, "clients", 8);
  const memberCount = 1000;
  const name = "cl_bench_integrations";
  const a = postgres(ADMIN, { max: 1, onnotice: () => {} });
  await a.unsafe(`drop database if exists ${name} with (force)`);
  await a.unsafe(`create database ${name}`);
  await a.end();
  const url = dbUrl(name);
  const d = openPostgres(url, { max: 4 });
  await migrateDatabase(d, url);
  const { merchantId, apiKey } = await createMerchant(d.db, { name: "bench" });
  const phones = Array.from({ length: memberCount }, (_, i) => `+8491${String(i).padStart(7, "0")}`);
  const ids = phones.map(() => newId("mem"));
  await d.db.insert(members).values(phones.map((phone, i) => ({ id: ids[i]!, merchantId, phone })));
  const server = await startNodeServer({
    DATABASE_URL: url,
    LOG_LEVEL: "warn",
    DB_POOL_MAX: String(Math.min(clients, 20)),
    DEMO_SEED: "false",
  });
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const target = new URL(server.url);
  const auth = { authorization: `Bearer ${apiKey}` };
  const created = await fetch(`${server.url}/v1/integrations`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ platform: "shopify", secret: SECRET }),
  }).then((r) => r.json() as Promise<{ id: string }>);
  const hook = `/hooks/shopify/${created.id}`;
  const viaApi = (prefix: string) => (i: number) =>
    post(agent, target, "/v1/orders", auth, order(i, phones[i % memberCount]!, prefix).api);
  /** The one-statement fast path (member by id): the bench/ledger baseline, reported for comparison. */
  const viaApiById = (prefix: string) => (i: number) => {
    const body = JSON.parse(order(i, phones[i % memberCount]!, prefix).api) as Record<string, unknown>;
    delete body.memberPhone;
    return post(agent, target, "/v1/orders", auth, JSON.stringify({ ...body, memberId: ids[i % memberCount] }));
  };
  const viaHook = (offset: number) => (i: number) => {
    const body = order(offset + i, phones[i % memberCount]!, "").shopify;
    return post(
      agent,
      target,
      hook,
      {
        "x-shopify-topic": "orders/create",
        "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
      },
      body,
    );
  };
  // Warm-up of both paths, then alternating runs so machine load drifts hit both alike.
  await load(300, clients, viaApi("warm"), 201);
  await load(300, clients, viaHook(10_000_000), 200);
  const api1 = await load(total / 2, clients, viaApi("a1"), 201);
  const hook1 = await load(total / 2, clients, viaHook(0), 200);
  const api2 = await load(total / 2, clients, (i) => viaApi("a2")(i), 201);
  const hook2 = await load(total / 2, clients, viaHook(total), 200);
  const byId = await load(total / 2, clients, viaApiById("b1"), 201);
  agent.destroy();
  await server.stop();
  const applied = await d.sql`select outcome, count(*)::int as n from integration_deliveries group by outcome`;
  await d.close();
  const mean = (x: number, y: number) => (x + y) / 2;
  const apiRate = mean(api1.rate, api2.rate);
  const hookRate = mean(hook1.rate, hook2.rate);
  const rows = [
    {
      path: "POST /v1/orders (memberPhone)",
      "per s": apiRate.toFixed(0),
      "p50 ms": mean(api1.p50, api2.p50).toFixed(1),
      "p99 ms": mean(api1.p99, api2.p99).toFixed(1),
      failures: api1.failures + api2.failures,
    },
    {
      path: "POST /hooks/shopify/{id}",
      "per s": hookRate.toFixed(0),
      "p50 ms": mean(hook1.p50, hook2.p50).toFixed(1),
      "p99 ms": mean(hook1.p99, hook2.p99).toFixed(1),
      failures: hook1.failures + hook2.failures,
    },
  ];
  rows.push({
    path: "POST /v1/orders (memberId, for reference)",
    "per s": byId.rate.toFixed(0),
    "p50 ms": byId.p50.toFixed(1),
    "p99 ms": byId.p99.toFixed(1),
    failures: byId.failures,
  });
  const ratio = hookRate / apiRate;
  process.stdout.write(
    `\nintegrations — ${machine()}, ${clients} clients, ${total} of each\n${table(rows)}\nratio hooks / orders (memberPhone): ${ratio.toFixed(2)} (target ≥ 0.8); vs memberId: ${(hookRate / byId.rate).toFixed(2)}\ndelivery outcomes: ${applied.map((r) => `${r.outcome} ${r.n}`).join(", ")}\n`,
  );
  return ratio >= 0.8 && rows.every((r) => r.failures === 0) ? 0 : 1;
}
