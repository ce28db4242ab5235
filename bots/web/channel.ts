/**
 * The web simulator channel: always on, no token. `GET /simulator` serves the page; `POST /simulator/api/messages`
 * drives exactly the same conversation core (channel "web", userId = the page's random client id), and
 * `GET /simulator/api/inbox` returns messages campaigns pushed through the web ChannelSender.
 * No data leaks: a client id sees a member only after linking with a one-time code (typed phone numbers never link).
 */
import type { Hono } from "hono";
import { and, asc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import type { AppEnv } from "../../src/http/env.ts";
import type { Db } from "../../src/db/types.ts";
import type { Clock } from "../../src/lib/clock.ts";
import type { ChannelSender, OutgoingMessage, SendResult } from "../../src/channels/channel.ts";
import { webOutbox } from "../../src/channels/tables.ts";
import { problemResponse, zodProblem } from "../../src/http/problem.ts";
import { readJson } from "../../src/http/validate.ts";
import { clientIp } from "../../src/http/client-ip.ts";
import { simulatorRateLimited } from "../../src/http/simulator-limit.ts";
import { chatReplyLanguage } from "../core/state.ts";
import type { Conversation, ReplyMessage } from "../core/types.ts";
import { SIMULATOR_HTML } from "./page.ts";

export const SIMULATOR_PATH = "/simulator";

const ClientId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "16–64 characters of A-Z a-z 0-9 _ -");

export const SimulatorMessageSchema = z
  .object({
    clientId: ClientId,
    text: z.string().max(4000).optional(),
    button: z.string().min(1).max(64).optional(),
  })
  .refine((v) => v.text !== undefined || v.button !== undefined, {
    message: "text or button is required",
    path: ["text"],
  });

const InboxQuery = z.object({
  clientId: ClientId,
  after: z.coerce.number().int().min(0).default(0),
});

/** What the page gets: text, buttons and image (Telegram-only extras such as the contact keyboard are dropped). */
function forWeb(m: ReplyMessage): OutgoingMessage {
  return {
    text: m.text,
    ...(m.buttons ? { buttons: m.buttons } : {}),
    ...(m.imageUrl ? { imageUrl: m.imageUrl } : {}),
  };
}

export function mountSimulator(app: Hono<AppEnv>, conversation: Conversation): void {
  app.get(SIMULATOR_PATH, (c) => {
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src https: http: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    return c.html(SIMULATOR_HTML);
  });

  app.post(`${SIMULATOR_PATH}/api/messages`, async (c) => {
    const raw = await readJson(c);
    const parsed = SimulatorMessageSchema.safeParse(raw ?? {});
    if (!parsed.success) throw zodProblem(parsed.error);
    const { clientId, text, button } = parsed.data;
    // Per IP, in the database: a fresh client id per message does not reset it.
    const { clock, config } = c.get("deps");
    const ip = clientIp(c, config.TRUST_PROXY);
    const limited = await simulatorRateLimited(c.get("db"), ip, clock.now(), config.SIMULATOR_RATE_PER_MINUTE);
    if (limited) return problemResponse(limited, { "retry-after": String(limited.extra.retryAfter) });
    const input = { channel: "web" as const, userId: clientId, chatId: clientId, text, button, clientIp: ip };
    const replies = await conversation.handle(input);
    const language = await chatReplyLanguage(c.get("db"), "web", clientId);
    return c.json({ messages: replies.map(forWeb), language });
  });

  app.get(`${SIMULATOR_PATH}/api/inbox`, async (c) => {
    const q = InboxQuery.safeParse(c.req.query());
    if (!q.success) throw zodProblem(q.error);
    const rows = await c
      .get("db")
      .select()
      .from(webOutbox)
      .where(and(eq(webOutbox.chatId, q.data.clientId), gt(webOutbox.id, q.data.after)))
      .orderBy(asc(webOutbox.id))
      .limit(50);
    return c.json({
      messages: rows.map((r) => ({ id: r.id, ...r.message, createdAt: r.createdAt.toISOString() })),
    });
  });
}

/** Campaigns "deliver" to simulator users by storing the message for the page to poll. */
export function createWebSender(db: Db | (() => Db), clock: Clock, broadcastRate = 50): ChannelSender {
  const resolveDb = (): Db => (typeof db === "function" ? db() : db);
  return {
    channel: "web",
    broadcastRate,
    async send(merchantId: string, chatId: string, message: OutgoingMessage): Promise<SendResult> {
      if (!ClientId.safeParse(chatId).success)
        return { ok: false, reason: "failed", error: "not a simulator client id" };
      try {
        const [row] = await resolveDb()
          .insert(webOutbox)
          .values({ merchantId, chatId, message: forWeb(message), createdAt: clock.now() })
          .returning({ id: webOutbox.id });
        return { ok: true, messageId: String(row!.id) };
      } catch (err) {
        return { ok: false, reason: "failed", error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
