/**
 * Cloudflare Workers entry: the same app as on Node. Postgres through Hyperdrive with postgres.js — one client per
 * request (and per scheduled/queue invocation), never ended (an open upstream bug makes sql.end() hang there).
 * The app is built once per isolate; the request's database and ExecutionContext reach it through
 * AsyncLocalStorage, so background work handed to waitUntil keeps using its own request's client.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { loadConfig } from "./config.ts";
import { openPostgres } from "./db/postgres.ts";
import type { Db } from "./db/types.ts";
import { createLogger } from "./lib/log.ts";
import { systemClock } from "./lib/clock.ts";
import { createRuntime, type Runtime } from "./runtime/runtime.ts";
import { pollAllKiotVietReturns } from "./integrations/returns.ts";
import { resolveDb } from "./deps.ts";

/** The bindings and vars this Worker reads (see wrangler.toml). */
export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  /** Alternative to Hyperdrive (local runs). */
  DATABASE_URL?: string;
  DELIVERIES?: { send(body: unknown, opts?: { delaySeconds?: number }): Promise<void> };
  /** Outbound events (docs/webhooks.md): a message is a "deliver due events now" tick. */
  WEBHOOKS?: { send(body: unknown, opts?: { delaySeconds?: number }): Promise<void> };
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

let runtime: Runtime | undefined;

/** The same wiring as on Node (src/runtime), with the request's database and waitUntil from the scope. */
function getRuntime(env: WorkerEnv): Runtime {
  if (runtime) return runtime;
  const config = loadConfig(stringVars(env));
  const fields = { service: "chatloyalty", runtime: "workers" };
  const logger = createLogger(config.LOG_LEVEL, fields, (line) => console.log(line));
  const defer = (p: Promise<unknown>) => scope.getStore()?.ctx.waitUntil(p);
  runtime = createRuntime({ config, db: currentDb, clock: systemClock, logger, defer });
  return runtime;
}

/** Requests after which deliveries are waiting in the queue table. */
const QUEUES_WORK = /^\/v1\/(campaigns\/[^/]+\/send|jobs\/journeys)$/;

/** The nightly cron of wrangler.toml (02:00 UTC, 09:00 in Vietnam). */
const NIGHTLY_CRON = "0 2 * * *";
/** The every-minute cron of wrangler.toml: outbound event retries only. */
const WEBHOOK_CRON = "* * * * *";
/** The queue of the WEBHOOKS binding (wrangler.toml). */
const WEBHOOK_QUEUE = "chatloyalty-webhooks";

/** Outbound events: a tick after any write (it may have committed events); delayed ticks for retries due soon. */
async function wakeWebhooks(env: WorkerEnv, delaySeconds?: number): Promise<void> {
  await env.WEBHOOKS?.send({ kind: "webhooks" }, delaySeconds ? { delaySeconds } : undefined);
}

/** One delivery pass; a retry due within a minute gets a delayed tick, later ones the every-minute cron. */
async function deliverWebhooks(rt: Runtime, env: WorkerEnv): Promise<void> {
  const { stats, nextDueAt, now } = await rt.webhooks.batch({ maxMs: 20_000 });
  if (stats.claimed > 0) rt.logger.info("webhooks batch", { ...stats });
  const wait = nextDueAt ? Math.max(1, Math.ceil((nextDueAt.getTime() - now.getTime()) / 1000)) : undefined;
  if (wait !== undefined && wait < 60) await wakeWebhooks(env, wait);
}

/** Campaign deliveries run in the queue consumer: a message on DELIVERIES is a "deliver now" tick. */
async function wakeDeliveries(env: WorkerEnv, delaySeconds?: number): Promise<void> {
  await env.DELIVERIES?.send({ kind: "deliver" }, delaySeconds ? { delaySeconds } : undefined);
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: WaitUntil): Promise<Response> {
    const rt = getRuntime(env);
    return scope.run({ db: openScopeDb(env), ctx }, async () => {
      const res = await rt.app.fetch(request, env, ctx as never);
      // On Node a delivery worker loop wakes in-process; here a sent campaign or a journey pass enqueues a tick.
      if (request.method === "POST" && res.status < 300 && QUEUES_WORK.test(new URL(request.url).pathname))
        ctx.waitUntil(wakeDeliveries(env));
      if (!["GET", "HEAD", "OPTIONS"].includes(request.method) && res.status < 300) ctx.waitUntil(wakeWebhooks(env));
      return res;
    });
  },

  /**
   * Campaign deliveries. The deliveries table stays the source of truth (at-most-once sending, leases, pacing);
   * a queue message is a "deliver now" tick. Each invocation sends for up to ~20 s; while work remains (more
   * recipients, or a channel paused by a 429's retry_after) the tick is retried with a delay instead of acked.
   */
  queue(batch: { queue?: string; messages: readonly QueueMessage[] }, env: WorkerEnv, ctx: WaitUntil): Promise<void> {
    const rt = getRuntime(env);
    return scope.run({ db: openScopeDb(env), ctx }, async () => {
      if (batch.queue === WEBHOOK_QUEUE) {
        await deliverWebhooks(rt, env);
        for (const m of batch.messages) m.ack();
        return;
      }
      let retryAfter = 0;
      const { stats, left, now } = await rt.deliveries.batch({
        maxMs: 20_000,
        onEvent: (e) => {
          if (e.type === "rate-limited") retryAfter = Math.max(retryAfter, e.retryAfterSeconds ?? 1);
        },
      });
      rt.logger.info("deliveries batch", { ticks: batch.messages.length, ...stats, ...left });
      batch.messages.forEach((m, i) => {
        // One tick keeps the work going; duplicates (several wake-ups at once) are simply acked. After a 429 the
        // tick is retried after retry_after; otherwise a fresh tick is enqueued (retries are capped per message).
        if (left.pending > 0 && i === 0 && retryAfter > 0) m.retry({ delaySeconds: retryAfter });
        else m.ack();
      });
      if (retryAfter === 0) {
        if (left.due > 0) await wakeDeliveries(env, 1);
        else if (left.nextDueAt)
          await wakeDeliveries(
            env,
            Math.min(43_200, Math.max(1, Math.ceil((left.nextDueAt.getTime() - now.getTime()) / 1000))),
          );
      }
    });
  },

  scheduled(event: ScheduledEvent, env: WorkerEnv, ctx: WaitUntil): Promise<void> {
    const rt = getRuntime(env);
    return scope.run({ db: openScopeDb(env), ctx }, async () => {
      const now = new Date(event.scheduledTime || Date.now());
      if (event.cron === WEBHOOK_CRON) return deliverWebhooks(rt, env);
      rt.logger.info("scheduled", { cron: event.cron });
      // Hourly: expiry and tier evaluation, due scheduled campaigns, a journey pass. Nightly: model rebuilds.
      const ran = await rt.jobs.hourly(now);
      if (ran.campaignsStarted > 0 || ran.journeyStepsQueued > 0 || ran.surveysQueued > 0) await wakeDeliveries(env);
      if (event.cron === NIGHTLY_CRON) await rt.jobs.nightly(now);
      // KiotViet returns (no webhook): polled with the hourly cron on Workers.
      await pollAllKiotVietReturns(resolveDb(rt.deps), rt.deps);
    });
  },
};
