/**
 * Local development without a public URL: `npm run dev:telegram` runs the server (API, simulator, Zalo webhook)
 * and receives Telegram updates by long polling instead of the webhook (the webhook is deleted first — Telegram
 * refuses getUpdates while one is set). Same database rules as `npm start` (DATABASE_URL, else PGlite in DATA_DIR),
 * and the same runtime (src/runtime): offers, the LLM assistant, the delivery worker and the schedules.
 */
import { serve } from "@hono/node-server";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/open.ts";
import { createLogger } from "../../src/lib/log.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";

const config = loadConfig(process.env);
const logger = createLogger(config.LOG_LEVEL, { service: "chatloyalty", mode: "telegram-polling" });
if (!config.TELEGRAM_BOT_TOKEN) {
  logger.error("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export its token");
  process.exit(2);
}

const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  lend: {
    onError: (err) => logger.error("reopening the embedded database after a CLI run failed", { error: String(err) }),
  },
});
const runtime = createRuntime({ config, db: database.db, clock: systemClock, logger });
const server = serve({ fetch: runtime.app.fetch, port: config.PORT }, (info) =>
  logger.info("listening", { port: info.port, simulator: `http://localhost:${info.port}/simulator` }),
);

const tg = runtime.channels.telegram!;
await runtime.start();
await tg.bot.api.deleteWebhook();
void tg.bot.start({
  allowed_updates: ["message", "callback_query", "my_chat_member"],
  onStart: (me) => logger.info("long polling", { bot: `@${me.username}` }),
});

async function shutdown(signal: string) {
  logger.info("shutting down", { signal });
  await tg.bot.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.stop(5000);
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
