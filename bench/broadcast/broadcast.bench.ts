/**
 * Benchmark: a campaign broadcast through the real delivery queue to the fake Telegram Bot API.
 *
 *   npm run bench -- broadcast [--recipients 10000] [--limit 30] [--rate <limit>]
 *                                           [--ceiling-recipients 5000] [--db postgres|pglite] [--no-ceiling]
 *
 * The fake runs in its own process (like the real platform, its clock is not stalled by our work).
 * Run 1 (paced): the fake enforces `--limit` msg/s across the bot (sliding second) and 1 msg/s per chat, answering
 * 429 beyond it; the sender is configured at `--rate` (TELEGRAM_BROADCAST_RATE). Checks (exit 1 when one fails):
 * achieved rate ≥ 0.95 × limit, zero 429s provoked, every recipient exactly once (zero duplicates, zero losses).
 * Run 2 (ceiling): the limit lifted and the sender unpaced — the queue's own throughput (msgs/s).
 *
 * Postgres: DATABASE_URL / TEST_DATABASE_URL (a scratch database is created and dropped); --db pglite for the
 * embedded one. 10,000 at 30/s takes about 6 minutes. The sender is the tests' HTTP sender (node:http over a
 * keep-alive agent, as grammY does on Node); the fake keeps connections alive like the real Bot API.
 */
import { z } from "zod";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import { openTestDatabase } from "../../test/helpers/db.ts";
import { httpTelegramSender, type SendLogEntry } from "../../test/campaigns/helpers.ts";
import { seedAudience } from "../../test/campaigns/seed.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createSegment } from "../../src/segments/service.ts";
import { createCampaign, getCampaignView, startCampaign } from "../../src/campaigns/service.ts";
import { messagingSettings, putMessagingSettings } from "../../src/campaigns/settings.ts";
import { DeliveryEngine } from "../../src/campaigns/delivery.ts";
import { col, queryRows } from "../../src/db/rows.ts";
import { machine, table } from "../lib/stats.ts";

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Most sends the fake counted in any sliding second (its own window rule: (t − 1000, t]). */
function maxPerSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[lo]! <= t[hi]! - 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * Gaps between consecutive messages as the fake received them (whole ms): the smallest and the 1st percentile. The
 * sender starts its requests at least 1000/RATE ms apart (test/channels/rate-limiter.test.ts); what arrives also
 * carries each request's own trip (the event loops of both processes, loopback TCP), so a few gaps come out shorter.
 */
function gaps(times: number[]): { min: number; p1: number } {
  const t = [...times].sort((a, b) => a - b);
  const g = t
    .slice(1)
    .map((x, i) => x - t[i]!)
    .sort((a, b) => a - b);
  return { min: g[0] ?? Number.NaN, p1: g[Math.floor((g.length - 1) * 0.01)] ?? Number.NaN };
}

interface RunResult {
  recipients: number;
  seconds: number;
  rate: number;
  received: number;
  duplicates: number;
  lost: number;
  provoked429: number;
  maxWindow: number;
  gaps: { min: number; p1: number };
  /** State-writing statements (marks + outcomes) and claim transactions, per message sent. */
  writesPerMsg: number;
  claimsPerMsg: number;
}

interface FakeStats {
  ok: number;
  chats: number;
  duplicates: number;
  times: number[];
  rateLimitHits: number;
  count429: number;
}

/** The fake Bot API in a child process (see fake-telegram-child.ts). */
async function startFake(
  limit: number | null,
): Promise<{ url: string; token: string; stats(): Promise<FakeStats>; close(): Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./fake-telegram-child.ts", import.meta.url)), [], {
    execArgv: ["--disable-warning=ExperimentalWarning"],
    env: { ...process.env, ...(limit !== null ? { LIMIT: String(limit) } : {}) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const hello = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { url: string; token: string }));
    child.once("exit", (code) => reject(new Error(`fake Bot API exited (${code})`)));
  });
  return {
    ...hello,
    stats: () =>
      new Promise<FakeStats>((resolve) => {
        child.once("message", (m) => resolve(m as FakeStats));
        child.send({ cmd: "stats" });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send({ cmd: "close" });
      }),
  };
}

async function run(opts: { recipients: number; rate: number; limit: number | null; tag: string }): Promise<RunResult> {
  const d = await openTestDatabase();
  const tg = await startFake(opts.limit);
  try {
    const now = systemClock.now();
    const { merchantId } = await createMerchant(d.db, { name: `bench ${opts.tag}` });
    await seedAudience(d.db, merchantId, opts.recipients, { tag: opts.tag, chatBase: 500_000_000, now });
    await putMessagingSettings(d.db, merchantId, { ...messagingSettings.defaults, frequencyCap: null });
    const seg = await createSegment(d.db, merchantId, { name: "everyone", rule: { all: [] } }, now, "bench");
    const c = await createCampaign(
      d.db,
      merchantId,
      {
        name: "bench",
        segmentId: seg.id,
        message: { vi: "Chào {{firstName}}, bạn có {{points}} điểm", en: "Hi {{firstName}}" },
        controlPercent: 0,
      },
      now,
    );
    const log: SendLogEntry[] = [];
    const engine = new DeliveryEngine({
      db: d.db,
      senders: { telegram: httpTelegramSender(tg.url, tg.token, opts.rate, log) },
      clock: systemClock,
    });
    await startCampaign(d.db, merchantId, c.id, systemClock.now());
    process.stderr.write(
      `  ${opts.recipients.toLocaleString("en-US")} recipients at ${opts.rate >= 1e6 ? "no pacing" : `${opts.rate}/s`}${opts.limit ? `, bot limit ${opts.limit}/s` : ", no bot limit"} …\n`,
    );
    const progress = setInterval(
      () => process.stderr.write(`    ${engine.stats.sent.toLocaleString("en-US")} sent\n`),
      30_000,
    );
    let claims = 0;
    const claim = engine.claim.bind(engine);
    engine.claim = (channel, limit) => {
      claims++;
      return claim(channel, limit);
    };
    const t0 = performance.now();
    await engine.runChannel("telegram", { shouldStop: () => false, untilEmpty: true });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(progress);
    const view = await getCampaignView(d.db, merchantId, c.id);
    if (view.status !== "done") {
      const statuses = await queryRows(
        d.db,
        sql`select status, count(*) as n from deliveries where campaign_id = ${c.id} group by status`,
        z.object({ status: z.string(), n: col.num }),
      );
      process.stderr.write(`  campaign not done: ${JSON.stringify(statuses)}\n`);
    }
    const st = await tg.stats();
    if (process.env.BENCH_DEBUG) {
      const hits = log.filter((x) => x.status === 429);
      for (const h of hits) {
        const before = log
          .filter((x) => x.start <= h.start)
          .slice(-31)
          .map((x) => x.start);
        process.stderr.write(
          `  429 at start ${h.start}: 31 sends started within ${before[before.length - 1]! - before[0]!} ms (sender side)\n`,
        );
        const arrivals = st.times.filter((t) => t <= h.start + 200).slice(-31);
        process.stderr.write(
          `    last arrivals span ${arrivals[arrivals.length - 1]! - arrivals[0]!} ms; gaps ${arrivals
            .slice(1)
            .map((t, i) => t - arrivals[i]!)
            .join(",")}\n`,
        );
      }
    }
    const first = Math.min(...st.times);
    const last = Math.max(...st.times);
    return {
      recipients: opts.recipients,
      seconds,
      // Achieved rate between the first and the last message, as the bot API saw them.
      rate: st.ok > 1 ? (st.ok - 1) / ((last - first) / 1000) : 0,
      received: st.chats,
      duplicates: st.duplicates,
      lost: opts.recipients - st.chats,
      provoked429: st.rateLimitHits,
      maxWindow: maxPerSecond(st.times),
      gaps: gaps(st.times),
      writesPerMsg: engine.writer.writes / Math.max(1, engine.stats.sent),
      claimsPerMsg: claims / Math.max(1, engine.stats.sent),
    };
  } finally {
    await tg.close();
    await d.close();
  }
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- broadcast [--recipients 10000] [--limit 30] [--rate <limit>] [--ceiling-recipients 5000] [--db postgres|pglite] [--no-ceiling]\n",
    );
    return 0;
  }
  const db = arg(args, "db") ?? "postgres";
  process.env.TEST_DB = db === "pglite" ? "pglite" : "postgres";
  if (process.env.DATABASE_URL && !process.env.TEST_DATABASE_URL) {
    const u = new URL(process.env.DATABASE_URL);
    u.pathname = "/postgres";
    process.env.TEST_DATABASE_URL = u.toString();
  }
  const recipients = Number(arg(args, "recipients") ?? 10_000);
  const limit = Number(arg(args, "limit") ?? 30);
  const rate = Number(arg(args, "rate") ?? limit);
  const ceilingRecipients = Number(arg(args, "ceiling-recipients") ?? 5_000);

  process.stderr.write(`broadcast benchmark on ${db} — ${machine()}\n`);
  const paced = await run({ recipients, rate, limit, tag: "paced" });
  const rows: Record<string, string | number>[] = [
    {
      run: `paced (limit ${limit}/s, rate ${rate}/s)`,
      recipients: paced.recipients,
      seconds: paced.seconds.toFixed(1),
      "msgs/s": paced.rate.toFixed(2),
      "vs limit": `${((paced.rate / limit) * 100).toFixed(1)} %`,
      "max in any 1 s": paced.maxWindow,
      "gap ms: min / 1st pct": `${paced.gaps.min} / ${paced.gaps.p1}`,
      "429 provoked": paced.provoked429,
      duplicates: paced.duplicates,
      lost: paced.lost,
    },
  ];
  let ceiling: RunResult | undefined;
  if (!args.includes("--no-ceiling")) {
    ceiling = await run({ recipients: ceilingRecipients, rate: 1_000_000, limit: null, tag: "ceil" });
    rows.push({
      run: "ceiling (no limit, unpaced)",
      recipients: ceiling.recipients,
      seconds: ceiling.seconds.toFixed(1),
      "msgs/s": ceiling.rate.toFixed(0),
      "vs limit": "-",
      "max in any 1 s": ceiling.maxWindow,
      "gap ms: min / 1st pct": "-",
      "429 provoked": ceiling.provoked429,
      duplicates: ceiling.duplicates,
      lost: ceiling.lost,
    });
  }
  const problems: string[] = [];
  if (paced.rate < 0.95 * limit) problems.push(`achieved ${paced.rate.toFixed(2)} msg/s < 0.95 × ${limit}`);
  if (paced.provoked429 > 0) problems.push(`${paced.provoked429} 429s provoked`);
  // The contract: at least 1000/RATE ms apart. Sent so; as received, 99 % of gaps must be (1 ms: the clock's grain).
  if (paced.gaps.p1 < 1000 / rate - 1)
    problems.push(`1 % of the gaps are under ${paced.gaps.p1} ms < 1000/${rate} ms (as received)`);
  if (paced.maxWindow > limit) problems.push(`${paced.maxWindow} messages in one sliding second > ${limit}`);
  for (const r of [paced, ceiling]) {
    if (!r) continue;
    if (r.duplicates > 0) problems.push(`${r.duplicates} duplicates`);
    if (r.lost > 0) problems.push(`${r.lost} recipients not reached`);
  }
  const dbWork = (r: RunResult) =>
    `${r.writesPerMsg.toFixed(3)} state writes and ${r.claimsPerMsg.toFixed(3)} claims per message`;
  process.stdout.write(
    `${table(rows)}\npaced: ${dbWork(paced)}${ceiling ? `; ceiling: ${dbWork(ceiling)}` : ""}\n${problems.length ? `FAILED: ${problems.join("; ")}` : "all checks passed"}\n`,
  );
  return problems.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
