/**
 * `POST /webhooks/zalo-oa`: the raw body's `X-ZEvent-Signature` is checked (wrong, missing → 401, nothing happens),
 * the event de-duplicated on its msg_id (a replay → 200 without work), and answered 200 within a short budget
 * (Zalo expects an answer within ~2 s ◐) while slow work goes on.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../../src/http/env.ts";
import type { Logger } from "../../src/lib/log.ts";
import { findBadText } from "../../src/lib/validate.ts";
import { type InFlight, withinBudget } from "../core/webhook.ts";
import type { ZaloOaChannel } from "./channel.ts";
import { rawTimestamp, type SignatureKeys, verifyOaSignature } from "./signature.ts";
import { ZALO_OA_SIGNATURE_HEADER, ZaloOaEventSchema } from "./types.ts";

export const ZALO_OA_WEBHOOK_PATH = "/webhooks/zalo-oa";
const MAX_BODY = 1024 * 1024;

export interface ZaloOaWebhookOptions {
  keys: SignatureKeys;
  logger: Logger;
  /** Default 1.5 s. */
  budgetMs?: number;
  inFlight: InFlight;
  defer?: (p: Promise<unknown>) => void;
}

export function mountZaloOaWebhook(app: Hono<AppEnv>, oa: ZaloOaChannel, opts: ZaloOaWebhookOptions): void {
  const budgetMs = opts.budgetMs ?? 1500;
  app.post(ZALO_OA_WEBHOOK_PATH, async (c) => {
    const raw = await c.req.text();
    if (raw.length > MAX_BODY) return c.json({ ok: false, error: "too large" }, 413);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const signature = c.req.header(ZALO_OA_SIGNATURE_HEADER);
    if (!(await verifyOaSignature(signature, raw, rawTimestamp(json), opts.keys))) {
      // Which secret Zalo signs with is unconfirmed: a mismatch is logged (never the secret or the body).
      opts.logger.warn("zalo oa webhook: wrong or missing X-ZEvent-Signature", { present: signature !== undefined });
      return c.json({ ok: false, error: "unauthorized" }, 401);
    }
    const parsed = json !== undefined && findBadText(json).length === 0 ? ZaloOaEventSchema.safeParse(json) : null;
    if (!parsed?.success) {
      opts.logger.warn("zalo oa webhook: ignored a malformed event");
      return c.json({ ok: true, ignored: true });
    }
    const { claimed, done } = oa.receive(parsed.data);
    const work = opts.inFlight.track(done);
    if (!(await claimed)) return c.json({ ok: true, duplicate: true });
    await withinBudget(work, budgetMs, opts.defer);
    return c.json({ ok: true });
  });
}
