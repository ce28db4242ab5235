/**
 * `POST /webhooks/zalo`: `X-Bot-Api-Secret-Token` compared in constant time (wrong or missing → 401, nothing
 * happens), either update shape (`{ok,result:{…}}` or bare `{event_name,message}`), de-duplicated on
 * event_name:message_id, answered 200 fast: the work gets a short budget and then goes on in the background.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../../src/http/env.ts";
import type { Logger } from "../../src/lib/log.ts";
import { findBadText } from "../../src/lib/validate.ts";
import { type InFlight, readWebhook, withinBudget } from "../core/webhook.ts";
import { parseZaloUpdate, ZALO_SECRET_HEADER } from "./types.ts";
import type { ZaloChannel } from "./channel.ts";

export const ZALO_WEBHOOK_PATH = "/webhooks/zalo";

export interface ZaloWebhookOptions {
  secret: string | undefined;
  logger: Logger;
  /** Time spent on an update before answering 200 anyway (default 1.5 s: Zalo's timeout is UNCONFIRMED). */
  budgetMs?: number;
  inFlight: InFlight;
  defer?: (p: Promise<unknown>) => void;
}

export function mountZaloWebhook(app: Hono<AppEnv>, zalo: ZaloChannel, opts: ZaloWebhookOptions): void {
  const budgetMs = opts.budgetMs ?? 1500;
  app.post(ZALO_WEBHOOK_PATH, async (c) => {
    const read = await readWebhook(c, "zalo", ZALO_SECRET_HEADER, opts.secret);
    if (read instanceof Response) return read;
    const json = read.json;
    // NUL or lone surrogates cannot be stored: such an update is malformed like any other.
    const bad = findBadText(json);
    const update = bad.length === 0 ? parseZaloUpdate(json) : null;
    if (!update) {
      // Not an update we understand: acknowledge (recorded in the log) so Zalo does not retry it forever.
      opts.logger.warn("zalo webhook: ignored a malformed or non-message update", {
        problems: bad.map((e) => `${e.path}: ${e.message}`),
      });
      return c.json({ ok: true, ignored: true });
    }
    // Claimed before answering: a replay gets 200 without work; a database failure becomes a 5xx (Zalo may re-send).
    // (A message's claim shares the statement that loads its chat context.)
    const { claimed, done } = zalo.receive(update);
    const work = opts.inFlight.track(done);
    if (!(await claimed)) return c.json({ ok: true, duplicate: true });
    await withinBudget(work, budgetMs, opts.defer);
    return c.json({ ok: true });
  });
}
