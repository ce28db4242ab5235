/**
 * Wiring of the chat channels for a runtime entry: one conversation core, the Telegram and Zalo bots configured
 * from the environment (when their tokens are set), the always-on web simulator, their webhook routes (an
 * AppPlugin) and the ChannelSenders campaigns use. Runtime entries get them through `createRuntime`
 * (src/runtime/runtime.ts), which also hands in the offers and the assistant; tests may call this directly.
 *
 *   const channels = createChannels({ config, db, clock, logger, offers, assistant });
 *   const app = createApp({ config, db, clock, logger, senders: channels.senders }, [channels.plugin]);
 *   void channels.start();   // getMe + setMyCommands, in the background
 */
import type { AppPlugin } from "../src/app.ts";
import type { Config } from "../src/config.ts";
import type { Db } from "../src/db/types.ts";
import type { Clock } from "../src/lib/clock.ts";
import type { Logger } from "../src/lib/log.ts";
import type { ChannelSenders } from "../src/channels/channel.ts";
import { createConversation } from "./core/conversation.ts";
import type { Assistant, Conversation, OffersPort } from "./core/types.ts";
import { InFlight } from "./core/webhook.ts";
import { pruneDeliveries } from "./core/state.ts";
import { createTelegramChannel, type TelegramChannel } from "./telegram/channel.ts";
import { mountTelegramWebhook } from "./telegram/webhook.ts";
import { createZaloChannel, type ZaloChannel } from "./zalo/channel.ts";
import { mountZaloWebhook } from "./zalo/webhook.ts";
import { createWebSender, mountSimulator } from "./web/channel.ts";
import { createZaloOaChannel, type OaMessageReceived, type ZaloOaChannel } from "./zalo-oa/channel.ts";
import { mountZaloOaWebhook } from "./zalo-oa/webhook.ts";
import { ZaloHttp, zaloTransport, type ZaloTransport } from "../src/channels/zalo-http.ts";
import { OaTokenStore } from "../src/zalo-oa/tokens.ts";
import { ZaloOaClient } from "../src/zalo-oa/client.ts";
import { createSecretBox } from "../src/lib/secret-box.ts";

export type { Assistant, AssistantContext, ChatInput, Conversation, OffersPort, ReplyMessage } from "./core/types.ts";

export interface ChannelsOptions {
  config: Config;
  db: Db | (() => Db);
  clock: Clock;
  logger: Logger;
  offers?: OffersPort;
  assistant?: Assistant;
  /** Webhook time budgets (ms) before answering 200 while work goes on. */
  telegramBudgetMs?: number;
  zaloBudgetMs?: number;
  /** Workers: hand late work to ctx.waitUntil. */
  defer?: (p: Promise<unknown>) => void;
  /** Interactive reply retry caps (tests use small ones). */
  telegramReplyRetry?: { maxRetryAttempts: number };
  zaloOaBudgetMs?: number;
  /** Zalo OA delivery receipts (user_received_message), e.g. into the ZNS/campaign KPIs. */
  onZaloOaMessageReceived?: (receipt: OaMessageReceived) => Promise<void> | void;
  /** HTTP transport of the Zalo clients (default: the runtime's, see src/channels/zalo-http.ts). */
  zaloTransport?: ZaloTransport;
}

export interface Channels {
  conversation: Conversation;
  telegram: TelegramChannel | undefined;
  zalo: ZaloChannel | undefined;
  zaloOa: ZaloOaChannel | undefined;
  /** The OA's access tokens (refreshed under a database lock): ZNS sends with the same OA token. */
  zaloOaTokens: OaTokenStore | undefined;
  senders: ChannelSenders;
  plugin: AppPlugin;
  /** Background start-up: Telegram getMe and setMyCommands (never throws). */
  start(): Promise<void>;
  /** Waits for updates still being processed. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Telegram opens Mini Apps only over https: no card button without an https PUBLIC_URL. */
export function cardUrlOf(publicUrl: string | undefined): string | undefined {
  if (!publicUrl?.startsWith("https://")) return undefined;
  return `${publicUrl.replace(/\/+$/, "")}/card`;
}

export function createChannels(opts: ChannelsOptions): Channels {
  const { config, db, clock, logger } = opts;
  const log = logger.child({ module: "channels" });
  const conversation = createConversation({
    db,
    clock,
    logger,
    config,
    offers: opts.offers,
    assistant: opts.assistant,
  });
  const inFlight = new InFlight();

  const telegram = config.TELEGRAM_BOT_TOKEN
    ? createTelegramChannel({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        db,
        clock,
        logger,
        conversation,
        broadcastRate: config.TELEGRAM_BROADCAST_RATE,
        cardUrl: cardUrlOf(config.PUBLIC_URL),
        ...(opts.telegramReplyRetry ? { replyRetry: opts.telegramReplyRetry } : {}),
      })
    : undefined;
  const zalo = config.ZALO_BOT_TOKEN
    ? createZaloChannel({
        token: config.ZALO_BOT_TOKEN,
        apiRoot: config.ZALO_API_ROOT,
        db,
        clock,
        logger,
        conversation,
        broadcastRate: config.ZALO_BROADCAST_RATE,
      })
    : undefined;

  const zaloOa = createZaloOa(opts, conversation);

  const senders: ChannelSenders = { web: createWebSender(db, clock) };
  if (telegram) senders.telegram = telegram.sender;
  if (zalo) senders.zalo = zalo.sender;
  if (zaloOa) senders.zalo_oa = zaloOa.channel.sender;

  const plugin: AppPlugin = (app) => {
    if (telegram) {
      mountTelegramWebhook(app, telegram, {
        secret: config.TELEGRAM_WEBHOOK_SECRET,
        logger: log,
        inFlight,
        ...(opts.telegramBudgetMs !== undefined ? { budgetMs: opts.telegramBudgetMs } : {}),
        ...(opts.defer ? { defer: opts.defer } : {}),
      });
    }
    if (zalo) {
      mountZaloWebhook(app, zalo, {
        secret: config.ZALO_WEBHOOK_SECRET,
        logger: log,
        inFlight,
        ...(opts.zaloBudgetMs !== undefined ? { budgetMs: opts.zaloBudgetMs } : {}),
        ...(opts.defer ? { defer: opts.defer } : {}),
      });
    }
    if (zaloOa) {
      mountZaloOaWebhook(app, zaloOa.channel, {
        keys: zaloOa.keys,
        logger: log,
        inFlight,
        ...(opts.zaloOaBudgetMs !== undefined ? { budgetMs: opts.zaloOaBudgetMs } : {}),
        ...(opts.defer ? { defer: opts.defer } : {}),
      });
    }
    mountSimulator(app, conversation);
  };

  return {
    conversation,
    telegram,
    zalo,
    zaloOa: zaloOa?.channel,
    zaloOaTokens: zaloOa?.tokens,
    senders,
    plugin,
    async start() {
      if (telegram && !config.TELEGRAM_WEBHOOK_SECRET)
        log.warn("TELEGRAM_WEBHOOK_SECRET is not set: /webhooks/telegram accepts unsigned updates");
      if (zalo && !config.ZALO_WEBHOOK_SECRET)
        log.warn("ZALO_WEBHOOK_SECRET is not set: /webhooks/zalo accepts unsigned updates");
      try {
        await pruneDeliveries(typeof db === "function" ? db() : db, clock.now());
      } catch (err) {
        log.warn("pruning processed updates failed", { error: String(err) });
      }
      if (!telegram) return;
      try {
        await telegram.init();
        await telegram.registerCommands();
        log.info("telegram bot ready", { username: telegram.bot.botInfo.username });
      } catch (err) {
        log.warn("telegram start-up calls failed", { error: err instanceof Error ? err.message : String(err) });
      }
    },
    stop: (timeoutMs?: number) => inFlight.drain(timeoutMs),
  };
}

/** The Zalo OA channel when ZALO_OA_ID, ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and a refresh token are configured. */
function createZaloOa(opts: ChannelsOptions, conversation: Conversation) {
  const { config, db, clock, logger } = opts;
  const { ZALO_OA_ID: oaId, ZALO_OA_APP_ID: appId, ZALO_OA_APP_SECRET: appSecret } = config;
  if (!oaId || !appId || !appSecret || !config.ZALO_OA_REFRESH_TOKEN) return undefined;
  const http = new ZaloHttp(zaloTransport(opts.zaloTransport ? { transport: opts.zaloTransport } : {}));
  const tokens = new OaTokenStore({
    db,
    oaId,
    appId,
    appSecret,
    oauthRoot: config.ZALO_OA_OAUTH_ROOT,
    http,
    clock,
    logger,
    box: createSecretBox(config.SECRETS_KEY),
    initial: { accessToken: config.ZALO_OA_ACCESS_TOKEN ?? "", refreshToken: config.ZALO_OA_REFRESH_TOKEN },
  });
  const channel = createZaloOaChannel({
    oaId,
    client: new ZaloOaClient({ apiRoot: config.ZALO_OA_API_ROOT, http, tokens }),
    db,
    clock,
    logger,
    conversation,
    broadcastRate: config.ZALO_OA_BROADCAST_RATE,
    monthlyQuota: config.ZALO_OA_PROACTIVE_MONTHLY_QUOTA,
    merchantId: config.DEFAULT_MERCHANT_ID,
    onMessageReceived: opts.onZaloOaMessageReceived,
  });
  const secrets = [config.ZALO_OA_SECRET_KEY, appSecret].filter((s): s is string => !!s);
  return { channel, tokens, keys: { appId, secrets } };
}
