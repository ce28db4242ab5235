/**
 * Benchmark: GET /v1/segments/{id}/export (the streamed CSV) of a big segment through the real HTTP route on real
 * Postgres, and the server's memory while it streams.
 *
 *   npm run bench -- segment-export [--sizes 100000,1000000] [--purpose service|marketing] [--rule everyone|recent]
 *                                   [--bound 1.2] [--fresh]
 *
 * Generates (once, with generate_series; reused by later runs unless --fresh) one merchant per size into the
 * Postgres database `cl_bench_segexport` on DATABASE_URL / TEST_DATABASE_URL's server: `size` members (names with
 * Vietnamese letters, some with `"` and `,` to quote, phones, emails, 2 in 3 opted in, tiers, points), half of them
 * with a last order (member_stats), and a custom segment "everyone" ({all: []}; with `--rule recent`: "recent",
 * orderCount ≥ 1 — the members with orders, read through the export's snapshot). For each size, a fresh server
 * process (bench/segment-export/server-child.ts: createApp over Postgres) serves one export, read to the end over
 * HTTP by this process, which counts the lines and bytes. The server samples its RSS and V8 heap every 10 ms from
 * just before the export; reported: rows, MB, seconds, rows/s, peak RSS and heap during the export, the kernel's
 * lifetime peak RSS of the process.
 * Checks (exit 1 when one fails): every member exported once (rows = size for service, the opted-in count for
 * marketing); constant memory: peak RSS and peak heap of the largest size ≤ --bound × those of the smallest.
 * Not part of CI: generating 1.1 M members takes about a minute and ~0.5 GB of disk.
 * `--page-cost [--pages 5]`: instead, the cost of re-running the rule per page on the `segments` data set
 * (bench/segment-export/page-cost.ts).
 */
import { fork, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { col, num, queryRows } from "../../src/db/rows.ts";
import type { Db } from "../../src/db/types.ts";
import { addApiKey } from "../../src/merchants/service.ts";
import type { Rule } from "../../src/segments/rule.ts";
import { createSegment, listSegments } from "../../src/segments/service.ts";
import { machine, table } from "../lib/stats.ts";
import { pageCost } from "./page-cost.ts";

const DB_NAME = "cl_bench_segexport";
/**
 * Each size is served twice, each time by a fresh server: as it runs in production (V8 collects when it likes, so the
 * peak heap includes garbage not yet collected), and with a full collection forced every second, whose live heap
 * (what the export keeps reachable) and RSS are what the constant-memory check compares.
 */
const MODES = [
  { label: "natural", gcEveryMs: 0 },
  { label: "gc 1 s", gcEveryMs: 1000 },
];
const NOW = new Date("2026-11-20T03:00:00Z");
const MiB = 2 ** 20;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const merchantOf = (size: number) => `mer_segexp_${size}`;

/** Creates the database (once) and each size's merchant, members and segment (once); the segment ids by size. */
async function openData(sizes: number[], fresh: boolean, ruleName: "everyone" | "recent") {
  const server =
    process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  const exists = (await admin`select 1 from pg_database where datname = ${DB_NAME}`).length > 0;
  if (exists && fresh) await admin.unsafe(`drop database ${DB_NAME} with (force)`);
  if (!exists || fresh) await admin.unsafe(`create database ${DB_NAME}`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${DB_NAME}`;
  const url = u.toString();
  const database = openPostgres(url, { max: 2 });
  await migrateDatabase(database, url);
  const db = database.db;
  const segments = new Map<number, { segmentId: string; all: number; optedIn: number }>();
  for (const size of sizes) {
    const merchantId = merchantOf(size);
    const have = await queryRows(
      db,
      sql`select count(*) as n from members where merchant_id = ${merchantId}`,
      z.object({ n: col.num }),
    );
    if (num(have[0]?.n) !== size) {
      const t = performance.now();
      process.stderr.write(`generating ${size.toLocaleString("en-US")} members for ${merchantId} …\n`);
      await generate(db, merchantId, size);
      process.stderr.write(`  done (${((performance.now() - t) / 1000).toFixed(0)} s)\n`);
    } else process.stderr.write(`reusing ${size.toLocaleString("en-US")} members of ${merchantId}\n`);
    const rule: Rule = ruleName === "recent" ? { field: "orderCount", op: "gte", value: 1 } : { all: [] };
    const existing = (await listSegments(db, merchantId)).find((s) => s.name === ruleName);
    const seg = existing ?? (await createSegment(db, merchantId, { name: ruleName, rule }, NOW, "bench"));
    const recent =
      ruleName === "recent" ? sql` and exists (select 1 from member_stats ms where ms.member_id = m.id)` : sql``;
    const counts = await queryRows(
      db,
      sql`select count(*) as n, count(*) filter (where m.opted_in) as opted from members m
          where m.merchant_id = ${merchantId} and m.erased_at is null${recent}`,
      z.object({ n: col.num, opted: col.num }),
    );
    segments.set(size, { segmentId: seg.id, all: num(counts[0]?.n), optedIn: num(counts[0]?.opted) });
  }
  return { database, url, segments };
}

async function generate(db: Db, merchantId: string, size: number): Promise<void> {
  await db.execute(sql`delete from member_stats where merchant_id = ${merchantId}`);
  await db.execute(sql`delete from members where merchant_id = ${merchantId}`);
  await db.execute(
    sql`insert into merchants (id, name, timezone) values (${merchantId}, ${`Export bench ${size}`}, 'Asia/Ho_Chi_Minh')
        on conflict do nothing`,
  );
  // Ids zero-padded so their order is the generation order; one name in 1000 needs RFC 4180 quoting.
  await db.execute(sql`
    insert into members (id, merchant_id, name, phone, email, language, opted_in, points_total, tier_name, created_at)
    select 'mem_' || ${String(size)} || '_' || lpad(g::text, 8, '0'), ${merchantId},
           case when g % 1000 = 0 then 'Quán "Phố", chi nhánh ' || g else 'Nguyễn Thị Khách ' || g end,
           '+849' || lpad(g::text, 8, '0'), 'khach' || g || '@example.vn',
           case when g % 7 = 0 then 'en' else 'vi' end, g % 3 <> 0, (g::bigint * 7919) % 5000,
           case when g % 10 = 0 then 'Vàng' else 'Bạc' end, ${NOW.toISOString()}::timestamptz
    from generate_series(1, ${size}::int) g`);
  await db.execute(sql`
    insert into member_stats (member_id, merchant_id, first_order_at, last_order_at, order_count, net_spend)
    select 'mem_' || ${String(size)} || '_' || lpad(g::text, 8, '0'), ${merchantId},
           ${NOW.toISOString()}::timestamptz - make_interval(days => 400),
           ${NOW.toISOString()}::timestamptz - make_interval(days => g % 400), 1 + g % 9, 50000 * (1 + g % 9)
    from generate_series(2, ${size}::int, 2) g`);
  await db.execute(sql`vacuum analyze members`);
  await db.execute(sql`vacuum analyze member_stats`);
}

interface ServerChild {
  port: number;
  ask<T>(cmd: string): Promise<T>;
  close(): Promise<void>;
}

async function startServer(url: string, gcEveryMs: number): Promise<ServerChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./server-child.ts", import.meta.url)), [], {
    execArgv: ["--disable-warning=ExperimentalWarning", "--expose-gc"],
    env: { ...process.env, BENCH_DB_URL: url, GC_EVERY_MS: String(gcEveryMs) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { port: number }));
    child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  return {
    port,
    ask: <T>(cmd: string) =>
      new Promise<T>((resolve) => {
        child.once("message", (m) => resolve(m as T));
        child.send({ cmd });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send({ cmd: "close" });
      }),
  };
}

/** GET path, read to the end: status, bytes, lines (CRLF-ended rows, the header included). */
function download(
  agent: Agent,
  port: number,
  path: string,
  apiKey: string,
  onProgress: (lines: number) => void,
): Promise<{ status: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: "127.0.0.1", port, path, headers: { authorization: `Bearer ${apiKey}` } },
      (res) => {
        let bytes = 0;
        let lines = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          onProgress(lines);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, lines }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** A one-line progress bar on stderr (redrawn at most every 500 ms). */
function progressBar(label: string, total: number) {
  let last = 0;
  const t0 = performance.now();
  const draw = (done: number) => {
    const f = Math.min(1, done / total);
    const w = 30;
    const secs = (performance.now() - t0) / 1000;
    process.stderr.write(
      `\r  ${label} [${"#".repeat(Math.round(f * w)).padEnd(w, "-")}] ${(f * 100).toFixed(0).padStart(3)} % ` +
        `${done.toLocaleString("en-US")} rows, ${Math.round(done / Math.max(secs, 0.001)).toLocaleString("en-US")} rows/s   `,
    );
  };
  return {
    tick(done: number) {
      const now = performance.now();
      if (now - last < 500) return;
      last = now;
      draw(done);
    },
    end(done: number) {
      draw(done);
      process.stderr.write("\n");
    },
  };
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- segment-export [--sizes 100000,1000000] [--purpose service|marketing] [--rule everyone|recent] [--bound 1.2] [--fresh]\n" +
        "npm run bench -- segment-export --page-cost [--pages 5]\n",
    );
    return 0;
  }
  if (args.includes("--page-cost")) return pageCost(Number(arg(args, "pages") ?? 5));
  const sizes = (arg(args, "sizes") ?? "100000,1000000")
    .split(",")
    .map(Number)
    .sort((a, b) => a - b);
  const purpose = arg(args, "purpose") === "marketing" ? "marketing" : "service";
  // --rule recent: a rule on order facts (at least one order: the half of the members with a member_stats row),
  // which takes the export's snapshot path; default: everyone ({all: []}), the plain keyset path.
  const ruleName = arg(args, "rule") === "recent" ? "recent" : "everyone";
  const bound = Number(arg(args, "bound") ?? 1.2);
  const { database, url, segments } = await openData(sizes, args.includes("--fresh"), ruleName);
  const results: {
    size: number;
    mode: string;
    peakLive: number;
    rows: number;
    expected: number;
    bytes: number;
    seconds: number;
    peakRss: number;
    peakHeap: number;
    startRss: number;
    startHeap: number;
    maxRss: number;
  }[] = [];
  try {
    for (const size of sizes)
      for (const mode of MODES) {
        const { segmentId, all, optedIn } = segments.get(size)!;
        const apiKey = await addApiKey(database.db, merchantOf(size));
        const server = await startServer(url, mode.gcEveryMs);
        const agent = new Agent({ keepAlive: true });
        try {
          // Warm-up: one small request (routing, auth, the database pool), then the memory baseline.
          await download(agent, server.port, "/v1/segments", apiKey, () => {});
          const start = await server.ask<{ rss: number; heap: number }>("reset");
          const expected = purpose === "service" ? all : optedIn;
          const bar = progressBar(`${size.toLocaleString("en-US")} members, ${purpose}, ${mode.label}`, expected);
          const t0 = performance.now();
          const r = await download(
            agent,
            server.port,
            `/v1/segments/${segmentId}/export?purpose=${purpose}`,
            apiKey,
            (lines) => bar.tick(Math.max(0, lines - 1)),
          );
          const seconds = (performance.now() - t0) / 1000;
          bar.end(Math.max(0, r.lines - 1));
          if (r.status !== 200) throw new Error(`export answered ${r.status}`);
          const mem = await server.ask<{ peakRss: number; peakHeap: number; peakLive: number; maxRss: number }>("mem");
          results.push({
            size,
            mode: mode.label,
            peakLive: mem.peakLive,
            rows: r.lines - 1,
            expected,
            bytes: r.bytes,
            seconds,
            peakRss: mem.peakRss,
            peakHeap: mem.peakHeap,
            startRss: start.rss,
            startHeap: start.heap,
            maxRss: mem.maxRss,
          });
        } finally {
          agent.destroy();
          await server.close();
        }
      }
  } finally {
    await database.close();
  }

  const mib = (b: number) => (b / MiB).toFixed(1);
  process.stdout.write(`\nsegment export (${purpose}, segment ${ruleName}), ${machine()}\n\n`);
  process.stdout.write(
    `${table(
      results.map((r) => ({
        members: r.size.toLocaleString("en-US"),
        server: r.mode,
        rows: r.rows.toLocaleString("en-US"),
        "CSV MiB": mib(r.bytes),
        s: r.seconds.toFixed(1),
        "rows/s": Math.round(r.rows / r.seconds).toLocaleString("en-US"),
        "RSS before MiB": mib(r.startRss),
        "peak RSS MiB": mib(r.peakRss),
        "heap before MiB": mib(r.startHeap),
        "peak heap MiB": mib(r.peakHeap),
        "peak live heap MiB": r.mode === "gc 1 s" ? mib(r.peakLive) : "",
        "max RSS (process) MiB": mib(r.maxRss),
      })),
    )}\n`,
  );
  let failed = false;
  for (const r of results) {
    if (r.rows !== r.expected) {
      process.stdout.write(`FAIL: ${r.size} members: ${r.rows} rows, expected ${r.expected}\n`);
      failed = true;
    }
  }
  const ratio = (mode: string, f: (r: (typeof results)[number]) => number) => {
    const rs = results.filter((r) => r.mode === mode);
    return f(rs[rs.length - 1]!) / f(rs[0]!);
  };
  const by = (mode: string) => results.filter((r) => r.mode === mode);
  if (sizes.length > 1) {
    const [lo, hi] = [sizes[0]!.toLocaleString("en-US"), sizes[sizes.length - 1]!.toLocaleString("en-US")];
    const live = ratio("gc 1 s", (r) => r.peakLive);
    const rssGc = ratio("gc 1 s", (r) => r.peakRss);
    const rss = ratio("natural", (r) => r.peakRss);
    const heap = ratio("natural", (r) => r.peakHeap);
    const ok = live <= bound && rssGc <= bound;
    const speed = by("natural").map((r) => Math.round(r.rows / r.seconds).toLocaleString("en-US"));
    process.stdout.write(
      `\n${ok ? "ok" : "FAIL"}: ${hi} / ${lo} members: peak live heap ${live.toFixed(2)}, peak RSS ${rssGc.toFixed(2)} ` +
        `(server collecting every 1 s; bound ≤ ${bound})\n` +
        `info: without forced collections: peak RSS ${rss.toFixed(2)}, peak heap used (garbage included) ${heap.toFixed(2)}; ` +
        `rows/s ${speed.join(" vs ")}\n`,
    );
    if (!ok) failed = true;
  }
  return failed ? 1 : 0;
}
