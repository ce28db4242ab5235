/**
 * The one wiring of the runtime: from config + database + clock + logger it builds the app, the chat channels, the
 * offers and the LLM assistant, the order hooks, the delivery engine and the jobs. Runtime entries (src/node.ts,
 * src/worker.ts, bots/telegram/polling.ts, the CLI's `campaigns send`) only choose drivers, read their environment
 * and call it. Like the entries, this folder may import bots/ (the channel adapters).
 *
 *   const runtime = createRuntime({ config, db, clock, logger });
 *   void runtime.start();          // Node: channels' start-up, delivery worker, schedules
 *   serve({ fetch: runtime.app.fetch, port });
 *   await runtime.stop(5000);      // before the database closes
 */
import { createApp } from "../app.ts";
import type { AppDeps } from "../deps.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { OffersPort } from "../channels/channel.ts";
import type { OrderHooks } from "../orders/service.ts";
import { claimOfferForChat, listOffersForChat } from "../offers/service.ts";
import { createAssistant, createLlm, phrasedChatOffers, type Llm } from "../llm/index.ts";
import { createChannels, type Assistant, type Channels, type ChannelsOptions } from "../../bots/index.ts";
import { runtimeOrderHooks } from "./hooks.ts";
import type { AssetReader } from "../site/assets.ts";
import { createJobs, startSchedules, type RuntimeJobs } from "./jobs.ts";
import { startReturnsSchedule } from "../integrations/returns.ts";
import { createDeliveries, type RuntimeDeliveries, type DeliveryWorkerChoice } from "./deliveries.ts";
import { withZnsSender } from "./zns.ts";
import { recordZnsReceipt } from "../zns/receipts.ts";
import { budgetSendGuard } from "../budget/guard.ts";
import { createWebhooks, type RuntimeWebhooks } from "./webhooks.ts";
import type { WebhookPost } from "../webhooks/deliver.ts";

export interface RuntimeOptions {
  config: Config;
  /** The process's database (Node) or a factory per request/invocation (Workers). */
  db: Db | (() => Db);
  clock: Clock;
  logger: Logger;
  /** Workers: late work handed to ctx.waitUntil. */
  defer?: (p: Promise<unknown>) => void;
  /** Channel knobs for tests (webhook time budgets, reply retry caps). */
  channels?: Pick<
    ChannelsOptions,
    "telegramBudgetMs" | "zaloBudgetMs" | "telegramReplyRetry" | "zaloOaBudgetMs" | "onZaloOaMessageReceived"
  >;
  /** Node: the API reference's assets from node_modules (Workers serve them as Static Assets). */
  assets?: AssetReader;
  /** Outbound events' HTTP transport (Node: node-post.ts, which refuses private addresses; default: fetch). */
  webhookPost?: WebhookPost;
}

export interface StartOptions {
  /** Telegram getMe/setMyCommands and pruning of processed updates (default true). */
  channels?: boolean;
  /** Expiry/tier jobs, journeys and model rebuilds on timers (default true). */
  schedules?: boolean;
  /** The in-process delivery worker (default: on, with its sendAt scheduler); false = none. */
  delivery?: DeliveryWorkerChoice | false;
  /** The outbound events (webhooks) delivery loop (default true). */
  webhooks?: boolean;
}

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly app: ReturnType<typeof createApp>;
  readonly deps: AppDeps;
  readonly channels: Channels;
  readonly llm: Llm | undefined;
  /** `/offers` in chat: the engine's offers, phrased by the model when one is configured. */
  readonly chatOffers: OffersPort;
  /** What the assistant's tools read: always the engine's own offers (never a model call inside a model call). */
  readonly assistantOffers: OffersPort;
  /** Free text through the LLM when LLM_PROVIDER is configured; else the keyword intents. */
  readonly assistant: Assistant | undefined;
  readonly orderHooks: OrderHooks;
  readonly jobs: RuntimeJobs;
  readonly deliveries: RuntimeDeliveries;
  /** Outbound events: the Node loop and the Workers queue's batch. */
  readonly webhooks: RuntimeWebhooks;
  /** Long-running processes: starts the background work; resolves when the channels' start-up calls are done. */
  start(opts?: StartOptions): Promise<void>;
  /** Stops timers and the delivery worker, waits for chat updates in progress (up to `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/** The offers engine's chat port: what the assistant always gets, and `/offers` without a model. */
export const engineChatOffers: OffersPort = { list: listOffersForChat, claim: claimOfferForChat };

export function createRuntime(opts: RuntimeOptions): Runtime {
  const { config, db, clock, logger } = opts;
  const llm = createLlm(config, { logger });
  const chatOffers = llm ? phrasedChatOffers(llm) : engineChatOffers;
  const assistantOffers = engineChatOffers;
  const assistant: Assistant | undefined = llm ? createAssistant(llm, { offers: assistantOffers }) : undefined;
  const channels = createChannels({
    config,
    db,
    clock,
    logger,
    offers: chatOffers,
    ...(assistant ? { assistant } : {}),
    ...(opts.defer ? { defer: opts.defer } : {}),
    // OA delivery receipts of ZNS messages count in the campaign KPIs (a receipt names the OA's merchant).
    onZaloOaMessageReceived: async (r) => {
      if (r.merchantId) await recordZnsReceipt(resolveDb(), r.merchantId, r);
    },
    ...opts.channels,
  });
  const orderHooks = runtimeOrderHooks;
  const oaTokens = channels.zaloOaTokens;
  const senders = withZnsSender(channels.senders, config, oaTokens ? () => oaTokens.accessToken() : undefined);
  const deps: AppDeps = {
    config,
    db,
    clock,
    logger,
    senders,
    orderHooks,
    sendGuard: budgetSendGuard,
    ...(opts.assets ? { assets: opts.assets } : {}),
  };
  const app = createApp(deps, [channels.plugin]);
  const resolveDb = (): Db => (typeof db === "function" ? db() : db);
  const jobs = createJobs(resolveDb, logger);
  const deliveries = createDeliveries({ db: resolveDb, senders, clock, logger });
  const webhooks = createWebhooks({
    db: resolveDb,
    config,
    clock,
    logger,
    ...(opts.webhookPost ? { post: opts.webhookPost } : {}),
  });

  const stoppers: (() => Promise<void> | void)[] = [];
  return {
    config,
    logger,
    clock,
    app,
    deps,
    channels,
    llm,
    chatOffers,
    assistantOffers,
    assistant,
    orderHooks,
    jobs,
    deliveries,
    webhooks,
    start(o = {}) {
      if (o.delivery !== false) {
        const worker = deliveries.startWorker(o.delivery ?? {});
        stoppers.push(() => worker.stop());
      }
      if (o.webhooks !== false) {
        const worker = webhooks.startWorker();
        stoppers.push(() => worker.stop());
      }
      if (o.schedules !== false) {
        const schedules = startSchedules(jobs, resolveDb(), clock, logger);
        stoppers.unshift(() => schedules.stop());
        const returns = startReturnsSchedule(deps, resolveDb);
        stoppers.unshift(() => returns.stop());
      }
      return o.channels === false ? Promise.resolve() : channels.start();
    },
    async stop(timeoutMs = 5000) {
      // Schedules first (no new work), then the delivery worker, then chat updates in progress.
      for (const stop of stoppers.splice(0)) await stop();
      await channels.stop(timeoutMs);
    },
  };
}
