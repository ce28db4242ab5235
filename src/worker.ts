/**
 * Cloudflare Workers entry: the same app as on Node. Postgres through Hyperdrive with postgres.js — one client per
 * request (and per scheduled/queue invocation), never ended (an open upstream bug makes sql.end() hang there).
 * The app is built once per isolate; the request's database and ExecutionContext reach it through
 * AsyncLocalStorage, so background work handed to waitUntil keeps using its own request's client.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createApp } from "./app.ts";
import { loadConfig, type Config } from "./config.ts";
import { openPostgres } from "./db/postgres.ts";
import type { Db } from "./db/types.ts";
import { createLogger, type Logger } from "./lib/log.ts";
import { systemClock } from "./lib/clock.ts";
import { runScheduledJobs } from "./jobs/scheduler.ts";
import { createChannels, type Channels } from "../bots/index.ts";
import { claimOfferForChat, listOffersForChat } from "./offers/service.ts";
import { createAssistant, createLlm, phrasedChatOffers } from "./llm/index.ts";

/** The bindings and vars this Worker reads (see wrangler.toml). */
export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  /** Alternative to Hyperdrive (local runs). */
  DATABASE_URL?: string;
  DELIVERIES?: { send(body: unknown, opts?: { delaySeconds?: number }): Promise<void> };
  [name: string]: unknown;
}

interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

interface ScheduledEvent {
  cron: string;
  scheduledTime: number;
}

export interface QueueMessage<T = unknown> {
  id: string;
  body: T;
  attempts: number;
  ack(): void;
  retry(opts?: { delaySeconds?: number }): void;
}

interface Scope {
  db: Db;
  ctx: WaitUntil;
}

const scope = new AsyncLocalStorage<Scope>();

function currentDb(): Db {
  const s = scope.getStore();
  if (!s) throw new Error("no database outside a request scope");
  return s.db;
}

function stringVars(env: WorkerEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") out[k] = v;
  return out;
}

function databaseUrl(env: WorkerEnv): string {
  const url = env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL;
  if (!url) throw new Error("no database: bind HYPERDRIVE (or set DATABASE_URL)");
  return url;
}

/** A fresh postgres.js client for one invocation (Hyperdrive pools the real connections). */
function openScopeDb(env: WorkerEnv): Db {
  return openPostgres(databaseUrl(env), { max: 1, closeable: false }).db;
}

interface Runtime {
  config: Config;
  logger: Logger;
  channels: Channels;
  app: ReturnType<typeof createApp>;
}

let runtime: Runtime | undefined;

function getRuntime(env: WorkerEnv): Runtime {
  if (runtime) return runtime;
  const config = loadConfig(stringVars(env));
  const logger = createLogger(config.LOG_LEVEL, { service: "chatloyalty", runtime: "workers" }, (line) => console.log(line));
  // Same wiring as src/node.ts: offers from the engine (phrased by the model when LLM_* is configured) and the
  // LLM assistant for free text; without LLM_PROVIDER, templates and keyword intents.
  const llm = createLlm(config, { logger });
  const offers = llm ? phrasedChatOffers(llm) : { list: listOffersForChat, claim: claimOfferForChat };
  const channels = createChannels({
    config,
    db: currentDb,
    clock: systemClock,
    logger,
    offers,
    ...(llm ? { assistant: createAssistant(llm, { offers }) } : {}),
    defer: (p) => scope.getStore()?.ctx.waitUntil(p),
  });
  const app = createApp({ config, db: currentDb, clock: systemClock, logger, senders: channels.senders }, [channels.plugin]);
  runtime = { config, logger, channels, app };
  return runtime;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: WaitUntil): Promise<Response> {
    const rt = getRuntime(env);
    return scope.run({ db: openScopeDb(env), ctx }, async () => rt.app.fetch(request, env, ctx as never));
  },

  scheduled(event: ScheduledEvent, env: WorkerEnv, ctx: WaitUntil): Promise<void> {
    const rt = getRuntime(env);
    return scope.run({ db: openScopeDb(env), ctx }, async () => {
      const now = new Date(event.scheduledTime || Date.now());
      rt.logger.info("scheduled", { cron: event.cron });
      await runScheduledJobs(currentDb(), now, rt.logger);
    });
  },
};
