/**
 * Webhook benchmark: Telegram "/points" updates from 1,000 distinct linked members through the full stack
 * (webhook → conversation core → database → the fake Bot API's sendMessage), against a bare grammY echo bot behind
 * the same Hono/node-server setup and the same fake Bot API, in the same run. Target: ≥ 0.5 × the echo bot's
 * updates/s; p50/p99 latency (update posted → reply received by the fake API). On PGlite and on Postgres.
 * Usage: npm run bench -- webhook [--members 1000] [--concurrency 16] [--db pglite|postgres|both]
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { Bot, webhookCallback } from "grammy";
import { systemClock } from "../../src/lib/clock.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createOrder } from "../../src/orders/service.ts";
import { FakeTelegramServer, TELEGRAM_TEST_TOKEN, telegramTextUpdate } from "../../test/fakes/telegram-server.ts";
import { openTestDatabase } from "../../test/helpers/db.ts";
import { flag, machine, percentile, table } from "../lib/stats.ts";
import { linkedMembers, startStack } from "../lib/stack.ts";

const SECRET = "bench-secret_123";

async function listen(
  fetchFn: (req: Request) => Response | Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({ fetch: fetchFn, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Posts one update per user with bounded concurrency; latency = post → the fake API received the reply. */
async function drive(url: string, tg: FakeTelegramServer, users: number[], text: string, concurrency: number) {
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const pending = new Map<string, () => void>();
  const unsub = tg.calls.onRecord((c) => {
    if (c.method !== "sendMessage") return;
    const id = String(c.payload.chat_id);
    const t = sentAt.get(id);
    if (t !== undefined && !pending.has(`done:${id}`)) {
      lat.push(performance.now() - t);
      pending.set(`done:${id}`, () => {});
      pending.get(id)?.();
    }
  });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= users.length) return;
        const uid = users[i]!;
        const done = new Promise<void>((resolve) => pending.set(String(uid), resolve));
        sentAt.set(String(uid), performance.now());
        const update = telegramTextUpdate(text, { id: uid, first_name: "Bench" }, { update_id: 1_000_000 + uid });
        const r = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
          body: JSON.stringify(update),
        });
        await r.arrayBuffer();
        await done;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  unsub();
  lat.sort((a, b) => a - b);
  return { rate: users.length / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), replies: lat.length };
}

async function echoBaseline(tg: FakeTelegramServer, users: number[], concurrency: number) {
  const bot = new Bot(TELEGRAM_TEST_TOKEN, {
    client: { apiRoot: tg.url },
    botInfo: {
      id: 1,
      is_bot: true,
      first_name: "Echo",
      username: "echo_bot",
      can_join_groups: false,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as never,
  });
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
  const app = new Hono();
  app.post("/webhooks/telegram", webhookCallback(bot, "hono", { secretToken: SECRET }));
  const srv = await listen(app.fetch);
  await drive(`${srv.url}/webhooks/telegram`, tg, users.slice(0, 100), "warm", concurrency);
  tg.reset();
  const r = await drive(`${srv.url}/webhooks/telegram`, tg, users, "/points", concurrency);
  await srv.close();
  return r;
}

async function fullStack(kind: "pglite" | "postgres", tg: FakeTelegramServer, users: number[], concurrency: number) {
  process.env.TEST_DB = kind;
  const database = await openTestDatabase();
  const { merchantId } = await createMerchant(database.db, { name: "bench" });
  const now = systemClock.now();
  const ids = await linkedMembers(database.db, merchantId, users, "+8490");
  for (let i = 0; i < ids.length; i++) {
    await createOrder(
      database.db,
      merchantId,
      {
        externalId: `B-${i}`,
        memberId: ids[i],
        channel: "pos",
        items: [{ sku: "CF", quantity: 1 + (i % 3), unitPrice: 45000, discount: 0 }],
      },
      now,
    );
  }
  const srv = await startStack(database.db, merchantId, { apiRoot: tg.url, secret: SECRET });
  tg.reset();
  const r = await drive(`${srv.url}/webhooks/telegram`, tg, users, "/points", concurrency);
  await srv.close();
  await database.close();
  return r;
}

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- webhook [options]\n" +
        "  Telegram /points updates/s and p50/p99 latency through the full stack vs a bare grammY echo bot; target: " +
        "≥ 0.5 × the echo bot's updates/s\n" +
        "  --members N: distinct linked members, one update each (default 1000)\n" +
        "  --concurrency N: updates in flight (default 16)\n" +
        "  --db pglite|postgres|both: database (default both)\n",
    );
    return 0;
  }
  const n = flag(args, "members", 1000);
  const concurrency = flag(args, "concurrency", 16);
  const dbArg = args.includes("--db") ? args[args.indexOf("--db") + 1] : "both";
  const kinds: ("pglite" | "postgres")[] = dbArg === "both" ? ["pglite", "postgres"] : [dbArg as "pglite" | "postgres"];
  const tg = await FakeTelegramServer.start();
  const users = Array.from({ length: n }, (_, i) => 500_000 + i);
  const rows: Record<string, string | number>[] = [];
  let ok = true;
  for (const kind of kinds) {
    const echo = await echoBaseline(tg, users, concurrency);
    tg.reset();
    const full = await fullStack(kind, tg, users, concurrency);
    tg.reset();
    const ratio = full.rate / echo.rate;
    if (ratio < 0.5 || full.replies !== n) ok = false;
    rows.push({
      db: kind,
      stack: "grammY echo (baseline)",
      "updates/s": echo.rate.toFixed(0),
      "p50 ms": echo.p50.toFixed(1),
      "p99 ms": echo.p99.toFixed(1),
      replies: echo.replies,
      ratio: "1.00",
    });
    rows.push({
      db: kind,
      stack: "full /points",
      "updates/s": full.rate.toFixed(0),
      "p50 ms": full.p50.toFixed(1),
      "p99 ms": full.p99.toFixed(1),
      replies: full.replies,
      ratio: `${ratio.toFixed(2)} (target ≥ 0.5)`,
    });
  }
  await tg.close();
  process.stdout.write(`\nwebhook — ${n} members, concurrency ${concurrency} — ${machine()}\n${table(rows)}\n`);
  return ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
