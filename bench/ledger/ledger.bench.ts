/**
 * Ledger benchmark: order ingestion through the real HTTP API (a child `src/node.ts` on Postgres) by 8 and 32
 * concurrent clients, each order for a member, 1–5 lines. Baseline in the same run: pgbench's built-in tpcb-like
 * script against the same server with the same client count, interleaved with the load in slices (`--slices`).
 * Target: orders/s ≥ 0.5 × pgbench TPS.
 * Afterwards the ledger invariants must hold. Usage: npm run bench -- ledger [--orders 20000] [--members 2000]
 * [--clients 8,32] [--price-changes 0.05] [--profile]
 * (--profile: the server writes a V8 CPU profile per client count into bench/out/ledger-prof/).
 * Also reported, unless --no-pg-alone: the orders/s of cl_place_order driven by pgbench with no app (pg-alone.ts),
 * the ceiling the whole stack can reach on the machine; and, unless --no-floor, the CPU per request of servers that
 * answer the same bodies with no logic (floor.ts), the floor under the server's share.
 * Lines are 500 SKUs, each sold at its own list price as a till does, except a `--price-changes` fraction of lines
 * at another price (a promotion, a price change), which updates the product's last-seen price (1 = every line at a
 * random price and a category by line position: nearly every line rewrote its product row, the shape measured
 * before 2026-12-06).
 */
import { execFileSync } from "node:child_process";
import { Agent } from "node:http";
import { availableParallelism } from "node:os";
import postgres from "postgres";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { members } from "../../src/db/schema.ts";
import { newId } from "../../src/lib/ids.ts";
import { checkInvariants } from "../../test/ledger/invariants.ts";
import { pgAloneRate } from "./pg-alone.ts";
import { serverFloor } from "./floor.ts";
import { startNodeServer } from "../../test/helpers/node-server.ts";
import { post as postJson } from "../lib/http.ts";
import { RawHttpClient } from "../lib/raw-http.ts";
import { cpuSeconds, cpuSplit, flag, machine, percentile, table } from "../lib/stats.ts";

const ADMIN = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function dbUrl(name: string): string {
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

async function recreate(name: string) {
  const a = postgres(ADMIN, { max: 1, onnotice: () => {} });
  await a.unsafe(`drop database if exists ${name} with (force)`);
  await a.unsafe(`create database ${name}`);
  await a.end();
}

function pgbench(clients: number, seconds: number): number {
  const url = dbUrl("cl_bench_pgbench");
  const out = execFileSync(
    "pgbench",
    ["-c", String(clients), "-j", "2", "-T", String(seconds), "-b", "tpcb-like", "-n", url],
    { encoding: "utf8" },
  );
  const m = /tps = ([\d.]+)/.exec(out);
  if (!m) throw new Error(`pgbench output not understood:\n${out}`);
  return Number(m[1]);
}

const post = (agent: Agent, target: URL, apiKey: string, body: string) =>
  postJson(agent, target, "/v1/orders", { authorization: `Bearer ${apiKey}` }, body);

/**
 * The order bodies, written before the clock starts (pgbench's client, the baseline, costs next to nothing per
 * transaction; building JSON during the load would be load-generator CPU taken from the server's two cores).
 */
function orderBodies(memberIds: string[], total: number, prefix: string, priceChanges: number): string[] {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({ length: total }, (_, i) => {
    const lines = 1 + Math.floor(rand() * 5);
    return JSON.stringify({
      externalId: `${prefix}-${i}`,
      memberId: memberIds[i % memberIds.length],
      items: Array.from({ length: lines }, (_, k) => {
        const sku = Math.floor(rand() * 500);
        const listPrice = 10000 + (sku % 90) * 1000;
        return {
          sku: `SKU-${sku}`,
          category: sku % 2 ? "coffee" : "food", // a product's own (was by line position: flipped per order)
          quantity: 1 + (k % 3),
          unitPrice: rand() < priceChanges ? 10000 + Math.floor(rand() * 90) * 1000 : listPrice,
        };
      }),
    });
  });
}

async function runLoad(url: string, apiKey: string, bodies: string[], clients: number, nodeHttp: boolean) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const target = new URL(url);
  const total = bodies.length;
  let next = 0;
  const lat: number[] = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const raw = nodeHttp ? null : new RawHttpClient(target);
      const auth = { authorization: `Bearer ${apiKey}` };
      for (;;) {
        const i = next++;
        if (i >= total) return raw?.close();
        const t = performance.now();
        const json = bodies[i]!;
        const status = raw ? await raw.post("/v1/orders", auth, json) : await post(agent, target, apiKey, json);
        lat.push(performance.now() - t);
        if (status !== 201) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { lat, failures, seconds };
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- ledger [options]\n" +
        "  order ingestion through the HTTP API (child src/node.ts on Postgres) per client count; target: orders/s " +
        "≥ 0.5 × pgbench tpcb-like TPS at the same client count, ledger invariants hold\n" +
        "  --orders N: orders per client count (default 20000)\n" +
        "  --members N: members the orders are spread over (default 2000)\n" +
        "  --clients LIST: comma-separated client counts (default 8,32)\n" +
        "  --pgbench-seconds N: length of the pgbench baseline in all (default 15; split over the slices, ≥ 3 s each)\n" +
        "  --slices N: the load and the baseline interleaved in N slices (default 3; 1 = one load, then one baseline)\n" +
        "  --price-changes F: fraction of lines at another price than the product's list price (default 0.05)\n" +
        "  --profile: the server writes a V8 CPU profile per client count into bench/out/ledger-prof/ (default off)\n" +
        "  --node-http: load generator on node:http (the client used before 2026-12-06; ~0.1 ms more CPU per order)\n" +
        "  --no-analyze: skip the ANALYZE after the warm-up (default: analyse)\n" +
        "  --no-pg-alone: skip the Postgres-alone run (cl_place_order driven by pgbench, no app; as long as the baseline)\n" +
        "  --no-floor: skip the floor servers (the same bodies answered with no logic: bare node:http, Hono)\n",
    );
    return 0;
  }
  const totalOrders = flag(args, "orders", 20000);
  const memberCount = flag(args, "members", 2000);
  const seconds = flag(args, "pgbench-seconds", 15);
  const priceChanges = flag(args, "price-changes", 0.05);
  // node:http as the load generator (the client before 2026-12-06) instead of the raw keep-alive one.
  const nodeHttp = args.includes("--node-http");
  process.stderr.write(
    `ledger bench: ${totalOrders} orders per client count, ${memberCount} members, on ${ADMIN.replace(/\/\/.*@/, "//…@")}\n`,
  );

  await recreate("cl_bench_pgbench");
  execFileSync("pgbench", ["-i", "-s", "10", "-q", dbUrl("cl_bench_pgbench")], { stdio: "ignore" });

  const rows: Record<string, string | number>[] = [];
  let ok = true;
  const clientCounts = (
    args[args.indexOf("--clients") + 1] && args.includes("--clients") ? args[args.indexOf("--clients") + 1]! : "8,32"
  )
    .split(",")
    .map(Number);
  for (const clients of clientCounts) {
    const name = `cl_bench_ledger_${clients}`;
    await recreate(name);
    const url = dbUrl(name);
    const d = openPostgres(url, { max: 4 });
    await migrateDatabase(d, url);
    const { merchantId, apiKey } = await createMerchant(d.db, { name: "bench" });
    const ids = Array.from({ length: memberCount }, () => newId("mem"));
    for (let i = 0; i < ids.length; i += 1000) {
      await d.db
        .insert(members)
        .values(
          ids.slice(i, i + 1000).map((id, k) => ({ id, merchantId, phone: `+8491${String(i + k).padStart(7, "0")}` })),
        );
    }
    const profile: Record<string, string> = args.includes("--profile")
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=bench/out/ledger-prof --cpu-prof-name=server-${clients}.cpuprofile` }
      : {};
    const server = await startNodeServer({
      DATABASE_URL: url,
      LOG_LEVEL: "warn",
      DB_POOL_MAX: String(Math.min(clients, 20)),
      ...profile,
    });
    const warm = orderBodies(ids, Math.min(500, totalOrders), "warm", priceChanges);
    await runLoad(server.url, apiKey, warm, clients, nodeHttp);
    // A live database has planner statistics (autovacuum analyses a table after 10 % of it changed, within a
    // minute); a fresh one has none, and a plan chosen on an empty table stays cached in each pooled backend until
    // the next ANALYZE. Analyse once after the warm-up, as autovacuum would have (`--no-analyze` measures without).
    if (!args.includes("--no-analyze")) await d.sql`analyze`;
    // CPU per order of each party: the server, this process (the load generator) and the Postgres backends
    // serving the server's pool (the warm-up opened them all).
    // A backend opened during the run counts in full (it started at zero).
    const backends = async () =>
      (await d.sql`select pid from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`).map((r) =>
        Number(r.pid),
      );
    // The load and the baseline interleaved in slices (`--slices`, default 3): the machine's own speed drifts by tens
    // of per cent over a minute, and a ratio of two runs minutes apart measures the drift as much as the code.
    const slices = Math.max(1, flag(args, "slices", 3));
    const bodies = orderBodies(ids, totalOrders, "run", priceChanges);
    const lat: number[] = [];
    let failures = 0;
    let loadSeconds = 0;
    let serverUser = 0;
    let serverSystem = 0;
    let pgUsed = 0;
    let selfUsed = 0;
    let tpsSeconds = 0;
    let tpsWeighted = 0;
    for (let k = 0; k < slices; k++) {
      const part = bodies.slice(Math.floor((k * totalOrders) / slices), Math.floor(((k + 1) * totalOrders) / slices));
      const pgBefore = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid) || 0]));
      const cpuBefore = [cpuSplit(server.child.pid), process.cpuUsage()] as const;
      const load = await runLoad(server.url, apiKey, part, clients, nodeHttp);
      pgUsed += (await backends()).reduce((s, pid) => s + ((cpuSeconds(pid) || 0) - (pgBefore.get(pid) ?? 0)), 0);
      const self = process.cpuUsage(cpuBefore[1]);
      selfUsed += (self.user + self.system) / 1e6;
      const [user, system] = cpuSplit(server.child.pid);
      serverUser += user - cpuBefore[0][0];
      serverSystem += system - cpuBefore[0][1];
      for (const ms of load.lat) lat.push(ms);
      failures += load.failures;
      loadSeconds += load.seconds;
      const slice = Math.max(3, Math.round(seconds / slices));
      tpsWeighted += pgbench(clients, slice) * slice;
      tpsSeconds += slice;
    }
    lat.sort((a, b) => a - b);
    const rate = totalOrders / loadSeconds;
    const tps = tpsWeighted / tpsSeconds;
    const perOrder = (s: number) => ((s * 1000) / totalOrders).toFixed(2);
    const cpu = `${perOrder(serverUser + serverSystem)} / ${perOrder(pgUsed)} / ${perOrder(selfUsed)}`;
    await server.stop();
    // The floor under the server's share: the same bodies answered by servers with no logic (floor.ts).
    const floor = args.includes("--no-floor")
      ? undefined
      : [await serverFloor("node", url, bodies, clients), await serverFloor("hono", url, bodies, clients)];
    const problems = await checkInvariants(d.db, merchantId);
    // After the invariants: the ceiling, Postgres's part of an order driven by pgbench alone (pg-alone.ts).
    const alone = args.includes("--no-pg-alone")
      ? NaN
      : await pgAloneRate(d.sql, url, merchantId, ids, clients, seconds);
    await d.close();
    const ratio = rate / tps;
    // The most this stack could reach with the app's logic gone: every core busy (never quite the case) with this
    // run's Postgres and load-generator CPU per order plus the Hono floor server's CPU per request.
    const ceiling = floor
      ? (availableParallelism() * 1000) /
        ((pgUsed * 1000) / totalOrders + floor[1]!.cpuMs + (selfUsed * 1000) / totalOrders)
      : NaN;
    if (ratio < 0.5 || problems.length > 0 || failures > 0) ok = false;
    rows.push({
      clients,
      "orders/s": rate.toFixed(0),
      "p50 ms": percentile(lat, 50).toFixed(1),
      "p99 ms": percentile(lat, 99).toFixed(1),
      "pgbench tps": tps.toFixed(0),
      "ratio (target ≥ 0.5)": ratio.toFixed(2),
      "CPU ms/order server / pg / loadgen": cpu,
      // A server with no logic, same bodies, one round trip each: bare node:http / Hono (what src/node.ts uses).
      "floor server CPU ms/req node / hono": floor ? floor.map((f) => f.cpuMs.toFixed(2)).join(" / ") : "–",
      "ceiling with the floor server (ratio)": Number.isNaN(ceiling)
        ? "–"
        : `${ceiling.toFixed(0)} (${(ceiling / tps).toFixed(2)})`,
      // cl_place_order called by pgbench (no app): what Postgres alone reaches, as a ratio to the same pgbench TPS.
      "pg alone orders/s (ratio)": Number.isNaN(alone) ? "–" : `${alone.toFixed(0)} (${(alone / tps).toFixed(2)})`,
      // The kernel's share of the server's CPU: socket syscalls (loopback TCP to Postgres and to the clients).
      "server system %": ((100 * serverSystem) / (serverUser + serverSystem)).toFixed(0),
      failures,
      invariants: problems.length === 0 ? "hold" : `${problems.length} broken`,
    });
  }
  process.stdout.write(`\nledger — ${machine()}\n${table(rows)}\n`);
  return ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
