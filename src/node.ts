/** Node entry (`npm start`): embedded PGlite or Postgres, migrations, demo seed, HTTP server, schedules, graceful shutdown. */
import { serve } from "@hono/node-server";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/open.ts";
import { createApp } from "./app.ts";
import { createLogger } from "./lib/log.ts";
import { systemClock } from "./lib/clock.ts";
import { countMerchants } from "./merchants/service.ts";
import { seedDemo } from "./demo/seed.ts";
import { runScheduledJobs } from "./jobs/scheduler.ts";
import { createChannels } from "../bots/index.ts";
import { claimOfferForChat, listOffersForChat } from "./offers/service.ts";
import { createAssistant, createLlm, phrasedChatOffers } from "./llm/index.ts";
import { startDeliveryWorker, wakeDeliveryWorkers } from "./campaigns/worker.ts";
import { startJourneySchedule } from "./journeys/service.ts";
import { startModelRebuildSchedule } from "./recs/build.ts";
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
  lend: { onError: (err) => logger.error("reopening the embedded database after a CLI run failed", { error: String(err) }) },
});
logger.info("database ready", { kind: database.kind, ...(database.kind === "pglite" ? { dataDir: config.DATA_DIR } : {}) });

const baseUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
let demo: { merchantId: string; apiKey: string } | undefined;
if (database.kind === "pglite" && config.DEMO_SEED && (await countMerchants(database.db)) === 0) {
  demo = await seedDemo(database.db, systemClock.now());
  logger.info("seeded demo shop", { merchantId: demo.merchantId });
}

// Chat channels: Telegram / Zalo when their tokens are set, the web simulator always; personalised offers through
// the offers engine, free text through the LLM assistant when LLM_PROVIDER is configured (else keyword intents).
const engineOffers = { list: listOffersForChat, claim: claimOfferForChat };
const llm = createLlm(config, { logger });
// LLM: with a model, offer texts in chat are phrased by it (validated, cached; the engine's text otherwise); the
// assistant's tools read the engine's own texts (no nested model calls).
const chatOffers = llm ? phrasedChatOffers(llm) : engineOffers;
const channels = createChannels({
  config,
  db: database.db,
  clock: systemClock,
  logger,
  offers: chatOffers,
  ...(llm ? { assistant: createAssistant(llm, { offers: engineOffers }) } : {}),
});
const app = createApp({ config, db: database.db, clock: systemClock, logger, senders: channels.senders }, [channels.plugin]);
void channels.start();

// ---- Segments, campaigns and journeys: promotional delivery worker (queue, pacing, sendAt scheduler) and the
// journey schedule (a pass every 10 minutes). Stopped in shutdown() before the database closes.
const delivery = startDeliveryWorker({ db: database.db, senders: channels.senders, clock: systemClock, logger: logger.child({ component: "delivery" }) });
const journeySchedule = startJourneySchedule({ db: database.db, clock: systemClock, logger: logger.child({ component: "journeys" }), onQueued: wakeDeliveryWorkers });
const stopCampaigns = async () => {
  journeySchedule.stop();
  await delivery.stop();
};
// ---- end of segments, campaigns and journeys ----

// ---- Co-purchase model (recs/offers): nightly rebuild. Hourly check; a merchant's model is rebuilt when it is
// missing or 20 h old and orders or refunds were added since. Workers call rebuildStaleModels from `scheduled`. ----
const modelRebuilds = startModelRebuildSchedule({ db: database.db, clock: systemClock, logger: logger.child({ component: "recs" }) });
// ---- end of co-purchase model ----

const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
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

// Expiry and tier evaluation hourly; first run shortly after start.
const HOUR = 3_600_000;
const tick = () => runScheduledJobs(database.db, systemClock.now(), logger).catch((err: unknown) => logger.error("jobs failed", { error: String(err) }));
const firstRun = setTimeout(tick, 30_000);
const interval = setInterval(tick, HOUR);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal });
  clearTimeout(firstRun);
  clearInterval(interval);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stopCampaigns(); // segments, campaigns and journeys
  await modelRebuilds.stop(); // co-purchase model
  await channels.stop(5000);
  await database.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
