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
import { type InFlight, readWebhook, withinBudget } from "../core/webhook.ts";
import type { TelegramChannel } from "./channel.ts";

export const TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram";
export const TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

/**
 * The checked part of an update is its id (the rest is Telegram's, handed to grammY as is); the refinement states
 * that an object with a non-negative integer update_id is taken as grammY's Update.
 */
const UpdateId = z.looseObject({ update_id: z.number().int().nonnegative() });
const UpdateShape = z.custom<Update>((v) => UpdateId.safeParse(v).success);

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
    const parsed = UpdateShape.safeParse(json);
    if (!parsed.success) return c.json({ ok: false, error: "not a Telegram update" }, 400);
    const update: Update = parsed.data;
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
