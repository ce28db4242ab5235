import { createMerchant } from "../../src/merchants/service.ts";
import { FakeTelegramServer, telegramTextUpdate } from "../../test/fakes/telegram-server.ts";
import { openTestDatabase } from "../../test/helpers/db.ts";
import { flag, machine, percentile, table } from "../lib/stats.ts";
import { linkedMembers, startStack } from "../lib/stack.ts";

const SECRET = "soak-secret_123";
type Kind = "order" | "webhook" | "read";

interface Window {
  lat: Record<Kind, number[]>;
  errors: Record<Kind, number>;
  firstError?: string;
}

const emptyWindow = (): Window => ({
  lat: { order: [], webhook: [], read: [] },
  errors: { order: 0, webhook: 0, read: 0 },
});

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- soak [options]\n" +
        "  mixed load over time (orders, Telegram webhooks, reads) on the real app in-process; target: 0 errors and " +
        "no memory growth (RSS, heap) over the run\n" +
        "  --minutes N: length of the run (default 10)\n" +
        "  --concurrency N: concurrent clients (default 8)\n" +
        "  --members N: linked members (default 200)\n" +
        "  --db postgres|pglite: database (default postgres)\n",
    );
    return 0;
  }
  const minutes = flag(args, "minutes", 10);
  const concurrency = flag(args, "concurrency", 8);
  const n = flag(args, "members", 200);
  const kind = args.includes("--db") ? args[args.indexOf("--db") + 1] : "postgres";
  process.env.TEST_DB = kind === "pglite" ? "pglite" : "postgres";

  const tg = await FakeTelegramServer.start();
  const database = await openTestDatabase();
  const { merchantId, apiKey } = await createMerchant(database.db, { name: "soak" });
  const users = Array.from({ length: n }, (_, i) => 700_000 + i);
  const ids = await linkedMembers(database.db, merchantId, users, "+8491");
  const stack = await startStack(database.db, merchantId, { apiRoot: tg.url, secret: SECRET });
  const url = stack.url;
  const auth = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };

  let seq = 0;
  let updateId = 10_000_000;
  const one = async (k: Kind): Promise<void> => {
    const i = seq++ % n;
    let res: Response;
    if (k === "order") {
      res = await fetch(`${url}/v1/orders`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({
          externalId: `soak-${seq}`,
          memberId: ids[i],
          items: [{ sku: `SKU-${seq % 50}`, quantity: 1 + (seq % 3), unitPrice: 45_000 }],
        }),
      });
    } else if (k === "webhook") {
      const update = telegramTextUpdate("/points", { id: users[i]!, first_name: "Soak" }, { update_id: updateId++ });
      res = await fetch(`${url}/webhooks/telegram`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: JSON.stringify(update),
      });
    } else {
      const paths = [`/v1/members/${ids[i]}`, `/v1/members/${ids[i]}/ledger?limit=20`, "/v1/analytics/summary"];
      res = await fetch(`${url}${paths[seq % paths.length]}`, { headers: auth });
    }
    const body = await res.text();
    if (res.status >= 300) throw new Error(`${k} ${res.status}: ${body.slice(0, 200)}`);
  };

  const mix: Kind[] = ["order", "order", "webhook", "webhook", "webhook", "read", "read", "read"];
  const endAt = Date.now() + minutes * 60_000;
  const rows: Record<string, string | number>[] = [];
  const total = emptyWindow();
  let win = emptyWindow();
  let windowStart = Date.now();
  const started = Date.now();
  const report = () => {
    const mem = process.memoryUsage();
    const all = [...win.lat.order, ...win.lat.webhook, ...win.lat.read].sort((a, b) => a - b);
    const p = (xs: number[], q: number) =>
      xs.length
        ? percentile(
            [...xs].sort((a, b) => a - b),
            q,
          ).toFixed(1)
        : "–";
    const errs = win.errors.order + win.errors.webhook + win.errors.read;
    rows.push({
      minute: ((Date.now() - started) / 60_000).toFixed(1),
      requests: all.length + errs,
      "req/s": ((all.length + errs) / ((Date.now() - windowStart) / 1000)).toFixed(0),
      errors: errs,
      "p50 ms": p(all, 50),
      "p99 ms": p(all, 99),
      "order p99": p(win.lat.order, 99),
      "webhook p99": p(win.lat.webhook, 99),
      "read p99": p(win.lat.read, 99),
      "rss MiB": (mem.rss / 2 ** 20).toFixed(0),
      "heap MiB": (mem.heapUsed / 2 ** 20).toFixed(0),
    });
    process.stderr.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
    if (win.firstError) process.stderr.write(`  first error: ${win.firstError}\n`);
    win = emptyWindow();
    windowStart = Date.now();
  };
  const ticker = setInterval(report, 60_000);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let j = w;
      while (Date.now() < endAt) {
        const k = mix[j++ % mix.length]!;
        const t = performance.now();
        try {
          await one(k);
          const ms = performance.now() - t;
          win.lat[k].push(ms);
          total.lat[k].push(ms);
        } catch (err) {
          win.errors[k]++;
          total.errors[k]++;
          win.firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  clearInterval(ticker);
  report();
  await stack.close();
  await database.close();
  await tg.close();

  const sorted = (k: Kind) => [...total.lat[k]].sort((a, b) => a - b);
  const summary = (["order", "webhook", "read"] as const).map((k) => ({
    kind: k,
    ok: total.lat[k].length,
    errors: total.errors[k],
    "p50 ms": percentile(sorted(k), 50).toFixed(1),
    "p99 ms": percentile(sorted(k), 99).toFixed(1),
  }));
  process.stdout.write(
    `Soak on ${kind}, ${minutes} min, ${concurrency} clients, ${n} members — ${machine()}\n\n${table(rows)}\n\n${table(summary)}\n`,
  );
  return summary.some((s) => s.errors > 0) ? 1 : 0;
}
