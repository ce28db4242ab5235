/** Node entry (`npm start`): embedded PGlite or Postgres, migrations, demo seed, HTTP server, schedules, graceful shutdown. */
import { serve } from "@hono/node-server";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/open.ts";
import { createLogger } from "./lib/log.ts";
import { systemClock } from "./lib/clock.ts";
import { countMerchants } from "./merchants/service.ts";
import { seedDemo } from "./demo/seed.ts";
import { createRuntime } from "./runtime/runtime.ts";
import { installProcessGuards } from "./process-guards.ts";

const config = loadConfig(process.env);
const logger = createLogger(config.LOG_LEVEL, { service: "chatloyalty" });
installProcessGuards(logger);

const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  poolMax: config.DB_POOL_MAX,
  timeouts: { connectSeconds: config.DB_CONNECT_TIMEOUT_SECONDS, statementMs: config.DB_STATEMENT_TIMEOUT_MS },
  // The CLI borrows the embedded database while this server runs (see src/db/pglite-lending.ts).
  lend: {
    onError: (err) => logger.error("reopening the embedded database after a CLI run failed", { error: String(err) }),
  },
});
logger.info("database ready", {
  kind: database.kind,
  ...(database.kind === "pglite" ? { dataDir: config.DATA_DIR } : {}),
});

const baseUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
let demo: { merchantId: string; apiKey: string } | undefined;
if (database.kind === "pglite" && config.DEMO_SEED && (await countMerchants(database.db)) === 0) {
  demo = await seedDemo(database.db, systemClock.now());
  logger.info("seeded demo shop", { merchantId: demo.merchantId });
}

// The app, chat channels (Telegram / Zalo when their tokens are set, the web simulator always), offers, the LLM
// assistant (when LLM_PROVIDER is configured), the delivery worker and the schedules: one wiring (src/runtime).
const runtime = createRuntime({ config, db: database.db, clock: systemClock, logger });
void runtime.start();

const server = serve({ fetch: runtime.app.fetch, port: config.PORT }, (info) => {
  logger.info("listening", { port: info.port, url: baseUrl });
  if (demo) {
    // Printed once, to stderr, for the person who just started the server; never logged as a field.
    process.stderr.write(
      [
        "",
        "  Demo shop created (embedded database, clearly marked DEMO).",
        `  Merchant id: ${demo.merchantId}`,
        `  API key:     ${demo.apiKey}   (shown once)`,
        "",
        `  Try:  curl ${baseUrl}/healthz`,
        `        curl -H "Authorization: Bearer ${demo.apiKey}" ${baseUrl}/v1/members`,
        `        curl -H "Authorization: Bearer ${demo.apiKey}" ${baseUrl}/v1/rewards`,
        `        open ${baseUrl}/simulator   (chat with the bot)`,
        `        API document: ${baseUrl}/v1/openapi.json`,
        "",
      ].join("\n") + "\n",
    );
  }
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.stop(5000); // schedules, delivery worker, chat updates in progress
  await database.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
