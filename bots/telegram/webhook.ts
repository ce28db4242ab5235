/**
 * `POST /webhooks/telegram`: checks X-Telegram-Bot-Api-Secret-Token in constant time (when a secret is configured;
 * a wrong or missing header → 401 and nothing happens), validates the update, and processes it within a time budget
 * so Telegram never times out and re-sends; late work goes on in the background (de-duplication makes a re-send
 * harmless anyway).
 */
import type { Hono } from "hono";
import { z } from "zod";
import type { Update } from "grammy/types";
import type { AppEnv } from "../../src/http/env.ts";
import type { Logger } from "../../src/lib/log.ts";
import { findBadText, MAX_ID_LENGTH } from "../../src/lib/validate.ts";
import { type InFlight, readWebhook, withinBudget } from "../core/webhook.ts";
import type { TelegramChannel } from "./channel.ts";

export const TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram";
export const TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

/**
 * The parts of an update the bot reads, checked before grammY sees it: an authenticated but malformed update
 * (`"message": true`, `"text": 123`, `"chat": null`) is acknowledged and ignored instead of failing every re-delivery.
 */
const User = z.looseObject({ id: z.number().int(), first_name: z.string().max(1000).optional() });
const Chat = z.looseObject({ id: z.number().int(), type: z.string().max(40) });
const Message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int().optional(),
  chat: Chat,
  from: User.optional(),
  text: z.string().optional(),
  contact: z.looseObject({ phone_number: z.string().max(64), user_id: z.number().int().optional() }).optional(),
});
const UpdateShape = z.looseObject({
  update_id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  message: Message.optional(),
  edited_message: Message.optional(),
  channel_post: Message.optional(),
  edited_channel_post: Message.optional(),
  callback_query: z
    .looseObject({
      id: z.string().max(MAX_ID_LENGTH),
      from: User,
      data: z.string().optional(),
      message: z.looseObject({ chat: Chat }).optional(),
    })
    .optional(),
  my_chat_member: z
    .looseObject({ chat: Chat, from: User, new_chat_member: z.looseObject({ status: z.string() }) })
    .optional(),
});

export interface TelegramWebhookOptions {
  secret: string | undefined;
  logger: Logger;
  /** Time to spend on an update before answering 200 anyway (default 8 s; Telegram waits longer). */
  budgetMs?: number;
  inFlight: InFlight;
  /** Receives work still running after the budget (Workers: ctx.waitUntil). */
  defer?: (p: Promise<unknown>) => void;
}

export function mountTelegramWebhook(app: Hono<AppEnv>, tg: TelegramChannel, opts: TelegramWebhookOptions): void {
  const budgetMs = opts.budgetMs ?? 8000;
  app.post(TELEGRAM_WEBHOOK_PATH, async (c) => {
    const read = await readWebhook(c, "telegram", TELEGRAM_SECRET_HEADER, opts.secret);
    if (read instanceof Response) return read;
    const json = read.json;
    const bad = findBadText(json);
    const parsed = UpdateShape.safeParse(json);
    if (!parsed.success || bad.length > 0) {
      // Authenticated (or no secret configured) but malformed: acknowledged, recorded in the log, ignored.
      const problems = parsed.success
        ? bad
        : parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      opts.logger.warn("telegram webhook: ignored a malformed update", {
        updateId: (json as { update_id?: unknown } | null)?.update_id,
        problems: problems.slice(0, 5).map((e) => `${e.path}: ${e.message}`),
      });
      return c.json({ ok: true, ignored: true });
    }
    // The fields the bot reads were checked above; the rest is Telegram's, handed to grammY as is.
    const update: Update = parsed.data as Update;
    // Claimed before answering: a replay gets 200 without work; a database failure here becomes a 5xx so Telegram
    // re-sends later instead of the update being lost. (A private message's claim shares its first statement.)
    const { claimed, done } = tg.receive(update);
    const work = opts.inFlight.track(done);
    if (!(await claimed)) return c.json({ ok: true, duplicate: true });
    const outcome = await withinBudget(work, budgetMs, opts.defer);
    if (outcome === "late")
      opts.logger.warn("telegram update still running after the webhook budget; answered 200", {
        updateId: parsed.data.update_id,
      });
    return c.json({ ok: true });
  });
}
