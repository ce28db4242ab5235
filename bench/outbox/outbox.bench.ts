/**
 * Outbox benchmark: what the cl_webhook_outbox triggers cost order ingestion. Three merchants on one fresh Postgres
 * database take orders through the real app in-process (POST /v1/orders, 8 concurrent clients, the hot path with
 * group commit): "before" with the ledger trigger disabled (the code before outbound events), "no endpoint" (the
 * trigger on, the merchant has no webhook endpoint: every merchant not using webhooks) and "subscribed" (an endpoint
 * receives points.earned: every order also writes its event). Rounds alternate the modes so a loaded machine's drift
 * hits all three alike; the table shows the median round. Also the trigger's own cost per ledger row, in Postgres.
 * Usage: npm run bench -- outbox [--rounds 5] [--orders 400] [--rows 20000]
 */
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { resultRows } from "../../src/db/rows.ts";
import { members } from "../../src/db/schema.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { newId } from "../../src/lib/ids.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { runtimeOrderHooks } from "../../src/runtime/hooks.ts";
import { flag, machine, table } from "../lib/stats.ts";

const ADMIN = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NAME = "cl_bench_outbox";
const MODES = ["before", "no endpoint", "subscribed"] as const;
type Mode = (typeof MODES)[number];

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- outbox [options]\n" +
        "  what the cl_webhook_outbox triggers cost order ingestion (before / no endpoint / subscribed, alternating " +
        "rounds) and the trigger's cost per ledger row; target: order ingestion not measurably slower\n" +
        "  --rounds N: rounds, each mode once per round (default 5)\n" +
        "  --orders N: orders per mode per round (default 400)\n" +
        "  --rows N: ledger rows inserted per mode to time the trigger alone (default 20000)\n",
    );
    return 0;
  }
  const rounds = flag(args, "rounds", 5);
  const perRound = flag(args, "orders", 400);
  const rows = flag(args, "rows", 20000);
  const admin = postgres(ADMIN, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${NAME} with (force)`);
  await admin.unsafe(`create database ${NAME}`);
  await admin.end();
  const u = new URL(ADMIN);
  u.pathname = `/${NAME}`;
  const d = openPostgres(u.toString(), { max: 10 });
  await migrateDatabase(d, u.toString());
  const db = d.db;
  const app = createApp({
    config: loadConfig({ LOG_LEVEL: "error" }),
    db,
    clock: systemClock,
    logger: silentLogger,
    orderHooks: runtimeOrderHooks,
  });

  const shops = new Map<Mode, { merchantId: string; apiKey: string; memberIds: string[] }>();
  for (const mode of MODES) {
    const m = await createMerchant(db, { name: `outbox ${mode}` });
    const memberIds = Array.from({ length: 200 }, () => newId("mem"));
    await db.insert(members).values(memberIds.map((id) => ({ id, merchantId: m.merchantId })));
    shops.set(mode, { ...m, memberIds });
  }
  const sub = shops.get("subscribed")!;
  const hook = await app.request("/v1/webhooks", {
    method: "POST",
    headers: { authorization: `Bearer ${sub.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ url: "https://hooks.example.com/bench", events: ["points.earned"] }),
  });
  if (hook.status !== 201) throw new Error(`webhook registration failed: ${hook.status}`);

  const trigger = (on: boolean) =>
    db.execute(sql.raw(`alter table ledger_entries ${on ? "enable" : "disable"} trigger ledger_entries_webhooks`));

  let seq = 0;
  async function load(mode: Mode): Promise<number> {
    const shop = shops.get(mode)!;
    await trigger(mode !== "before");
    let next = 0;
    const started = performance.now();
    const client = async () => {
      while (next < perRound) {
        next++;
        const res = await app.request("/v1/orders", {
          method: "POST",
          headers: { authorization: `Bearer ${shop.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({
            externalId: `O-${++seq}`,
            memberId: shop.memberIds[seq % shop.memberIds.length],
            items: [{ sku: `S${seq % 50}`, quantity: 1 + (seq % 3), unitPrice: 10_000 + (seq % 7) * 5_000 }],
          }),
        });
        if (res.status !== 201) throw new Error(`order failed: ${res.status} ${await res.text()}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    return perRound / ((performance.now() - started) / 1000);
  }

  for (const mode of MODES) await load(mode); // warm-up
  const rates = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? MODES : [...MODES].reverse();
    for (const mode of order) rates.get(mode)!.push(await load(mode));
  }
  await trigger(true);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(rates.get("before")!);
  const [events] = resultRows<{ n: string | number }>(
    await db.execute(sql`select count(*) as n from webhook_messages`),
  );

  // The trigger alone: ledger rows inserted in one plpgsql loop, trigger off / on without endpoint / subscribed.
  const perRow = async (mode: Mode) => {
    const shop = shops.get(mode)!;
    await trigger(mode !== "before");
    const [t] = resultRows<{ us: string | number }>(
      await db.execute(sql.raw(`select cl_bench_rows('${shop.merchantId}', '${shop.memberIds[0]}', ${rows}) as us`)),
    );
    return Number(t!.us) / rows;
  };
  await db.execute(
    sql.raw(`create or replace function cl_bench_rows(p_merchant text, p_member text, p_n int) returns double precision
      language plpgsql as $$
      declare t0 timestamptz := clock_timestamp();
      begin
        for i in 1..p_n loop
          insert into ledger_entries (merchant_id, member_id, kind, points, created_at)
            values (p_merchant, p_member, 'earn', 1, now());
        end loop;
        return extract(epoch from clock_timestamp() - t0) * 1e6;
      end $$`),
  );
  const micro = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  for (let r = 0; r < 3; r++) for (const mode of MODES) micro.get(mode)!.push(await perRow(mode));
  await db.execute(sql.raw("drop function cl_bench_rows(text, text, int)"));
  await trigger(true);

  process.stdout.write(
    `${machine()}\n${rounds} rounds × ${perRound} orders per mode, 8 clients; ${Number(events?.n ?? 0)} events written\n`,
  );
  process.stdout.write(
    table(
      MODES.map((mode) => ({
        mode,
        "orders/s (median round)": median(rates.get(mode)!).toFixed(0),
        "all rounds": rates
          .get(mode)!
          .map((x) => x.toFixed(0))
          .join(" "),
        "× before": (median(rates.get(mode)!) / base).toFixed(2),
        "µs per ledger row (in Postgres)": median(micro.get(mode)!).toFixed(1),
      })),
    ),
  );
  await d.close();
  return 0;
}
