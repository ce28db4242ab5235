/** The Node server process (src/node.ts starts it): embedded PGlite or Postgres, migrations, demo seed, HTTP server, schedules, graceful shutdown. */
import { setDefaultZaloTransport } from "../channels/zalo-http.ts";
import { undiciTransport } from "../channels/zalo-http-undici.ts";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { loadDotEnv } from "../env-file.ts";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/open.ts";
import { createLogger } from "../lib/log.ts";
import { systemClock } from "../lib/clock.ts";
import { countMerchants, forgetApiKeys } from "../merchants/service.ts";
import { seedDemo } from "../demo/seed.ts";
import { demoStart, startBanner } from "../demo/first-run.ts";
import type { LocalControl } from "../db/pglite-lending.ts";
import { createLocalControl } from "./local-control.ts";
import { nodeAssetReader } from "../site/node-assets.ts";
import { createRuntime } from "./runtime.ts";
import { nodeWebhookPost } from "../webhooks/node-post.ts";
import { allowPrivateUrls } from "../webhooks/config.ts";
import { installProcessGuards } from "../process-guards.ts";
import { startTableMaintenance } from "../db/maintenance.ts";

loadDotEnv();
const config = loadConfig(process.env);
const logger = createLogger(config.LOG_LEVEL, { service: "chatloyalty" });
installProcessGuards(logger);

// The port first: a taken port fails in a second with one line, before the database is opened or anything seeded.
// Until the runtime is ready every request gets 503 (load balancers and tests wait for /healthz to say 200).
let handler: (req: Request) => Response | Promise<Response> = () =>
  new Response("starting\n", { status: 503, headers: { "retry-after": "1" } });
const server = createAdaptorServer({ fetch: (req) => handler(req) });
await new Promise<void>((resolve) => {
  server.once("error", (err: NodeJS.ErrnoException) => {
    const why = err.code === "EADDRINUSE" ? "is already in use" : `cannot be opened (${err.code ?? err.message})`;
    process.stderr.write(
      `error: port ${config.PORT} ${why}; stop the other process or set PORT (nothing was started)\n`,
    );
    process.exit(1);
  });
  server.listen(config.PORT, () => resolve());
});
const port = (server.address() as AddressInfo).port;

let control: LocalControl | undefined;
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  poolMax: config.DB_POOL_MAX,
  timeouts: { connectSeconds: config.DB_CONNECT_TIMEOUT_SECONDS, statementMs: config.DB_STATEMENT_TIMEOUT_MS },
  // The CLI borrows the embedded database while this server runs (see src/db/pglite-lending.ts); it may have
  // revoked a key meanwhile, so the key cache is dropped after every loan.
  lend: {
    onError: (err) => logger.error("reopening the embedded database after a CLI run failed", { error: String(err) }),
    afterLoan: forgetApiKeys,
    // Short CLI commands (keys, merchants, campaigns send) run here on the CLI's behalf instead of borrowing.
    control: (op, input) => {
      if (!control) return Promise.reject(new Error("the server is still starting; try again in a moment"));
      return control(op, input);
    },
  },
});
control = createLocalControl(database.db, () => systemClock.now());
logger.info("database ready", {
  kind: database.kind,
  ...(database.kind === "pglite" ? { dataDir: config.DATA_DIR } : {}),
});

const baseUrl = config.PUBLIC_URL ?? `http://localhost:${port}`;
let newKey: string | undefined;
if (database.kind === "pglite" && config.DEMO_SEED && (await countMerchants(database.db)) === 0) {
  const seeded = await seedDemo(database.db, systemClock.now());
  newKey = seeded.apiKey;
  logger.info("seeded demo shop", { merchantId: seeded.merchantId });
}
// Demo mode only (a demo shop exists in this database): a fresh simulator link for a demo member.
const demo = config.DEMO_SEED ? await demoStart(database.db, systemClock.now()) : undefined;

// The app, chat channels (Telegram / Zalo when their tokens are set, the web simulator always), offers, the LLM
// assistant (when LLM_PROVIDER is configured), the delivery worker and the schedules: one wiring (src/runtime).
// Both Zalo clients go through one undici pool on Node (keep-alive, bounded sockets per host); Workers use fetch.
const zaloPool = undiciTransport();
setDefaultZaloTransport(zaloPool);
const runtime = createRuntime({
  config,
  db: database.db,
  clock: systemClock,
  logger,
  assets: nodeAssetReader(),
  webhookPost: nodeWebhookPost(allowPrivateUrls(config)),
});
void runtime.start();
// Autovacuum's job on the embedded database (PGlite has none): statistics for the planner, dead rows reclaimed.
const maintenance =
  database.kind === "pglite" ? startTableMaintenance(database.db, logger.child({ component: "db" })) : undefined;
handler = runtime.app.fetch;
logger.info("listening", { port, url: baseUrl });
// stdout, for the person who just started the server; the key is never a log field.
process.stdout.write(startBanner({ baseUrl, ...(demo ? { demo } : {}), ...(newKey ? { newKey } : {}) }));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.stop(5000); // schedules, delivery worker, chat updates in progress
  await maintenance?.stop();
  await database.close();
  await zaloPool.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
