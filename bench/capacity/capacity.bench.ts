/**
 * `npm run bench -- capacity [--members 2000] [--orders 20000]`: bytes per row of each table, measured on data written
 * through the real API (orders of 1–5 lines, refunds, redemptions, adjustments) into a fresh Postgres database, then
 * the storage a 10 k merchants / 50 M members / 1 B ledger entries deployment needs at those sizes (docs/scaling.md).
 */
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { runtimeOrderHooks } from "../../src/runtime/hooks.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { arg } from "../segments/dataset.ts";

const TARGET = { merchants: 10_000, members: 50_000_000, ledgerEntries: 1_000_000_000 };

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write("Usage: npm run bench -- capacity [--members N (2000)] [--orders N (20000)]\n");
    return 0;
  }
  const nMembers = Number(arg(args, "members") ?? 2000);
  const nOrders = Number(arg(args, "orders") ?? 20000);
  const server =
    process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = "cl_bench_capacity";
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  const database = openPostgres(u.toString(), { max: 8 });
  await migrateDatabase(database, u.toString());
  const clock = new FakeClock(new Date("2026-06-01T03:00:00Z"));
  const app = createApp({
    config: loadConfig({ LOG_LEVEL: "error" }),
    db: database.db,
    clock,
    logger: silentLogger,
    orderHooks: runtimeOrderHooks,
  });
  const { apiKey } = await createMerchant(database.db, { name: "Capacity" });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await app.fetch(
      new Request(`http://local${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  await call("PUT", "/v1/program", {
    currency: "VND",
    earn: { spend: 10000, points: 1 },
    pointsExpireDays: 365,
    tiers: [
      { name: "Silver", minSpend: 0, multiplier: 1 },
      { name: "Gold", minSpend: 5_000_000, multiplier: 1.5 },
    ],
  });
  const reward = await call("POST", "/v1/rewards", { name: "Coffee", cost: 10, kind: "product", stock: 1_000_000 });
  const memberIds: string[] = [];
  const bar = (label: string, i: number, n: number) => {
    if (i % Math.max(1, Math.floor(n / 50)) === 0 || i === n)
      process.stderr.write(`\r  ${label} [${"#".repeat(Math.round((i / n) * 30)).padEnd(30)}] ${i}/${n}`);
    if (i === n) process.stderr.write("\n");
  };
  for (let i = 0; i < nMembers; i++) {
    const m = await call("POST", "/v1/members", { phone: `09${String(10_000_000 + i)}`, name: `Member ${i}` });
    memberIds.push(String(m.id));
    bar("members", i + 1, nMembers);
  }
  let rnd = 42;
  const rand = (n: number) => {
    rnd = (rnd * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (rnd >>> 8) % n; // the low bits of this generator cycle quickly
  };
  for (let i = 0; i < nOrders; i++) {
    clock.advance(60_000);
    const lines = 1 + rand(5);
    const ext = `POS-${i}`;
    await call("POST", "/v1/orders", {
      externalId: ext,
      ...(rand(20) === 0 ? {} : { memberId: memberIds[rand(nMembers)] }),
      items: Array.from({ length: lines }, (_, k) => ({
        sku: `SKU-${rand(500)}`,
        name: `Product ${k}`,
        category: `cat-${rand(20)}`,
        quantity: 1 + rand(3),
        unitPrice: 10_000 + rand(200) * 1000,
      })),
    });
    if (rand(20) === 0) await call("POST", `/v1/orders/${ext}/refunds`, { externalId: `${ext}-R` });
    if (rand(10) === 0) {
      const m = memberIds[rand(nMembers)]!;
      await call(
        "POST",
        `/v1/members/${m}/redemptions`,
        { rewardId: reward.id },
        { "Idempotency-Key": `rd-${i}` },
      ).catch(
        () => undefined, // not enough points yet: nothing written
      );
    }
    bar("orders", i + 1, nOrders);
  }
  await database.db.execute(sql`vacuum analyze`);
  const rows = (await database.db.execute(sql`
    select c.relname as table, c.reltuples::bigint as rows, pg_total_relation_size(c.oid) as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' order by pg_total_relation_size(c.oid) desc`)) as unknown as {
    table: string;
    rows: string;
    bytes: string;
  }[];
  const count = (t: string) => Number(rows.find((r) => r.table === t)?.rows ?? 0);
  const entries = count("ledger_entries");
  // Scale every table by how its rows relate to the ledger (entries), members or merchants here.
  const perMember = new Set(["members", "member_stats", "channel_identities", "link_codes"]);
  const perMerchant = new Set(["merchants", "api_keys", "rewards", "products", "segments", "programs"]);
  process.stdout.write(
    `\n${nOrders.toLocaleString("en-US")} orders, ${nMembers.toLocaleString("en-US")} members, ${entries.toLocaleString("en-US")} ledger entries\n\n`,
  );
  process.stdout.write(
    "| table | rows here | bytes/row (with indexes) | rows at target | GiB at target |\n|---|---|---|---|---|\n",
  );
  let total = 0;
  for (const r of rows) {
    const n = Number(r.rows);
    if (n < 1) continue;
    const per = Number(r.bytes) / n;
    const scaled = perMerchant.has(r.table)
      ? (n * TARGET.merchants) / 1
      : perMember.has(r.table)
        ? (n / nMembers) * TARGET.members
        : (n / entries) * TARGET.ledgerEntries;
    const gib = (per * scaled) / 2 ** 30;
    total += gib;
    process.stdout.write(
      `| ${r.table} | ${n.toLocaleString("en-US")} | ${Math.round(per)} | ${Math.round(scaled).toLocaleString("en-US")} | ${gib.toFixed(1)} |\n`,
    );
  }
  process.stdout.write(`| **total** | | | | **${total.toFixed(0)}** |\n`);
  await database.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  return 0;
}
