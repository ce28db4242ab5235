/**
 * Benchmark: a campaign broadcast through the real delivery queue to the fake Telegram Bot API.
 *
 *   node bench/broadcast/broadcast.bench.ts [--recipients 10000] [--limit 30] [--rate <limit>]
 *                                           [--ceiling-recipients 5000] [--db postgres|pglite] [--no-ceiling]
 *
 * Run 1 (paced): the fake enforces `--limit` msg/s across the bot (sliding second) and 1 msg/s per chat, answering
 * 429 beyond it; the sender is configured at `--rate` (TELEGRAM_BROADCAST_RATE). Checks (exit 1 when one fails):
 * achieved rate ≥ 0.95 × limit, zero 429s provoked, every recipient exactly once (zero duplicates, zero losses).
 * Run 2 (ceiling): the limit lifted and the sender unpaced — the queue's own throughput (msgs/s).
 *
 * Postgres: DATABASE_URL / TEST_DATABASE_URL (a scratch database is created and dropped); --db pglite for the
 * embedded one. 10,000 at 30/s takes about 6 minutes.
 */
import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import { FakeTelegramServer } from "../../test/fakes/telegram-server.ts";
import { openTestDatabase } from "../../test/helpers/db.ts";
import { httpTelegramSender, type SendLogEntry } from "../../test/campaigns/helpers.ts";
import { seedAudience } from "../../test/campaigns/seed.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createSegment } from "../../src/segments/service.ts";
import { createCampaign, getCampaignView, startCampaign } from "../../src/campaigns/service.ts";
import { DEFAULT_MESSAGING, putMessagingSettings } from "../../src/campaigns/settings.ts";
import { DeliveryEngine } from "../../src/campaigns/delivery.ts";
import { queryRows } from "../../src/segments/sql.ts";
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

interface RunResult {
  recipients: number;
  seconds: number;
  rate: number;
  received: number;
  duplicates: number;
  lost: number;
  provoked429: number;
  maxWindow: number;
}

async function run(opts: { recipients: number; rate: number; limit: number | null; tag: string }): Promise<RunResult> {
  const d = await openTestDatabase();
  const tg = await FakeTelegramServer.start();
  try {
    if (opts.limit !== null) tg.enforceRate({ perSecond: opts.limit, perChatPerSecond: 1 });
    const now = systemClock.now();
    const { merchantId } = await createMerchant(d.db, { name: `bench ${opts.tag}` });
    await seedAudience(d.db, merchantId, opts.recipients, { tag: opts.tag, chatBase: 500_000_000, now });
    await putMessagingSettings(d.db, merchantId, { ...DEFAULT_MESSAGING, frequencyCap: null });
    const seg = await createSegment(d.db, merchantId, { name: "everyone", rule: { all: [] } }, now);
    const c = await createCampaign(d.db, merchantId, { name: "bench", segmentId: seg.id, message: { vi: "Chào {{firstName}}, bạn có {{points}} điểm", en: "Hi {{firstName}}" }, controlPercent: 0 }, now);
    const log: SendLogEntry[] = [];
    const engine = new DeliveryEngine({ db: d.db, senders: { telegram: httpTelegramSender(tg.url, tg.token, opts.rate, log) }, clock: systemClock });
    await startCampaign(d.db, merchantId, c.id, systemClock.now());
    process.stderr.write(`  ${opts.recipients.toLocaleString("en-US")} recipients at ${opts.rate === Infinity ? "no pacing" : `${opts.rate}/s`}${opts.limit ? `, bot limit ${opts.limit}/s` : ", no bot limit"} …\n`);
    const progress = setInterval(() => process.stderr.write(`    ${engine.stats.sent.toLocaleString("en-US")} sent\n`), 30_000);
    const t0 = performance.now();
    await engine.runChannel("telegram", { shouldStop: () => false, untilEmpty: true });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(progress);
    const view = await getCampaignView(d.db, merchantId, c.id);
    const ok = tg.succeeded("sendMessage");
    const perChat = new Map<string, number>();
    for (const x of ok) perChat.set(x.chatId!, (perChat.get(x.chatId!) ?? 0) + 1);
    const statuses = await queryRows<{ status: string; n: unknown }>(d.db, sql`select status, count(*) as n from deliveries where campaign_id = ${c.id} group by status`);
    if (view.status !== "done") process.stderr.write(`  campaign not done: ${JSON.stringify(statuses)}\n`);
    const first = Math.min(...ok.map((x) => x.at));
    const last = Math.max(...ok.map((x) => x.at));
    return {
      recipients: opts.recipients,
      seconds,
      // Achieved rate between the first and the last message, as the bot API saw them.
      rate: ok.length > 1 ? (ok.length - 1) / ((last - first) / 1000) : 0,
      received: perChat.size,
      duplicates: [...perChat.values()].filter((n) => n > 1).length,
      lost: opts.recipients - perChat.size,
      provoked429: tg.rateLimitHits,
      maxWindow: maxPerSecond(ok.map((x) => x.at)),
    };
  } finally {
    await tg.close();
    await d.close();
  }
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "node bench/broadcast/broadcast.bench.ts [--recipients 10000] [--limit 30] [--rate <limit>] [--ceiling-recipients 5000] [--db postgres|pglite] [--no-ceiling]\n",
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
      "429 provoked": ceiling.provoked429,
      duplicates: ceiling.duplicates,
      lost: ceiling.lost,
    });
  }
  const problems: string[] = [];
  if (paced.rate < 0.95 * limit) problems.push(`achieved ${paced.rate.toFixed(2)} msg/s < 0.95 × ${limit}`);
  if (paced.provoked429 > 0) problems.push(`${paced.provoked429} 429s provoked`);
  if (paced.maxWindow > limit) problems.push(`${paced.maxWindow} messages in one sliding second > ${limit}`);
  for (const r of [paced, ceiling]) {
    if (!r) continue;
    if (r.duplicates > 0) problems.push(`${r.duplicates} duplicates`);
    if (r.lost > 0) problems.push(`${r.lost} recipients not reached`);
  }
  process.stdout.write(`${table(rows)}\n${problems.length ? `FAILED: ${problems.join("; ")}` : "all checks passed"}\n`);
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
