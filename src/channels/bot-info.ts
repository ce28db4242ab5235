/**
 * getMe results cached in memory and in `channel_bot_info`, so the link-code API can build `t.me/<bot>` links and a
 * restarted process or a Worker can hand grammY its botInfo without calling getMe first.
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../lib/log.ts";
import { botInfos } from "./tables.ts";
import { botIdOf, callBotApi } from "./bot-api.ts";

export async function loadBotInfo(
  db: Db,
  channel: string,
  botId: string,
): Promise<Record<string, unknown> | undefined> {
  const rows = await db
    .select({ info: botInfos.info })
    .from(botInfos)
    .where(and(eq(botInfos.channel, channel), eq(botInfos.botId, botId)))
    .limit(1);
  return rows[0]?.info;
}

export async function saveBotInfo(
  db: Db,
  channel: string,
  botId: string,
  info: Record<string, unknown>,
  now: Date,
): Promise<void> {
  await db
    .insert(botInfos)
    .values({ channel, botId, info, updatedAt: now })
    .onConflictDoUpdate({ target: [botInfos.channel, botInfos.botId], set: { info, updatedAt: now } });
}

const TelegramMe = z.looseObject({ id: z.number(), is_bot: z.boolean(), username: z.string() });

const usernames = new Map<string, string>();

/**
 * The username of the environment's Telegram bot, or undefined when no bot is configured or getMe fails
 * (cached per bot id: memory, then the database, then getMe against TELEGRAM_API_ROOT).
 */
export async function telegramBotUsername(
  config: Config,
  db: Db,
  now: Date,
  logger?: Logger,
): Promise<string | undefined> {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) return undefined;
  const botId = botIdOf(token);
  const cached = usernames.get(botId);
  if (cached) return cached;
  const stored = TelegramMe.safeParse(await loadBotInfo(db, "telegram", botId));
  if (stored.success) {
    usernames.set(botId, stored.data.username);
    return stored.data.username;
  }
  try {
    const me = TelegramMe.parse(await callBotApi(config.TELEGRAM_API_ROOT, token, "getMe", {}, { timeoutMs: 5000 }));
    await saveBotInfo(db, "telegram", botId, me, now);
    usernames.set(botId, me.username);
    return me.username;
  } catch (err) {
    logger?.warn("telegram getMe failed", { error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

/** Remember a username learnt elsewhere (the bot's own getMe). */
export function rememberTelegramUsername(botId: string, username: string): void {
  usernames.set(botId, username);
}
