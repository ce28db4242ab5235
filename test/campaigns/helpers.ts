/** Test doubles for campaign delivery: a ChannelSender that calls the fake Telegram Bot API over HTTP, a live clock. */
import http from "node:http";
import type { ChannelSender, SendResult } from "../../src/channels/channel.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * A real-HTTP Telegram sender (sendMessage with an inline keyboard) against a Bot API root — the fake server in
 * tests and benchmarks. It never retries: the broadcaster paces and retries itself.
 */
export interface SendLogEntry {
  chatId: string;
  /** Date.now() when the request was issued and when its answer was read. */
  start: number;
  end: number;
  status: number;
  retryAfter?: number;
}

export function httpTelegramSender(
  apiRoot: string,
  token: string,
  broadcastRate: number,
  log?: SendLogEntry[],
): ChannelSender {
  // node:http over a keep-alive agent, as grammY does on Node (its platform.node adapter): a warm socket per
  // concurrent call instead of fetch's heavier request path.
  const url = new URL(`${apiRoot}/bot${token}/sendMessage`);
  const agent = new http.Agent({ keepAlive: true });
  return {
    channel: "telegram",
    broadcastRate,
    async send(_merchantId, chatId, message): Promise<SendResult> {
      const start = Date.now();
      const result = await call(chatId, message);
      log?.push({
        chatId,
        start,
        end: Date.now(),
        status: result.status,
        ...(result.retryAfter !== undefined ? { retryAfter: result.retryAfter } : {}),
      });
      return result.result;
    },
  };

  function post(body: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  async function call(
    chatId: string,
    message: Parameters<ChannelSender["send"]>[2],
  ): Promise<{ status: number; retryAfter?: number; result: SendResult }> {
    let res: { status: number; text: string };
    try {
      res = await post(
        JSON.stringify({
          chat_id: chatId,
          text: message.text,
          ...(message.buttons?.length
            ? {
                reply_markup: {
                  inline_keyboard: message.buttons.map((row) =>
                    row.map((b) => ({ text: b.label, callback_data: b.data })),
                  ),
                },
              }
            : {}),
        }),
      );
    } catch (err) {
      return {
        status: 0,
        result: { ok: false, reason: "failed", error: err instanceof Error ? err.message : String(err) },
      };
    }
    let body: {
      ok?: boolean;
      result?: { message_id?: number };
      description?: string;
      parameters?: { retry_after?: number };
    } = {};
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      /* not JSON: handled by status below */
    }
    const status = res.status;
    if (body.ok) return { status, result: { ok: true, messageId: String(body.result?.message_id ?? "") } };
    if (status === 429) {
      const retryAfter = body.parameters?.retry_after ?? 1;
      return {
        status,
        retryAfter,
        result: { ok: false, reason: "rate-limited", retryAfterSeconds: retryAfter, error: body.description },
      };
    }
    if (status === 403) return { status, result: { ok: false, reason: "blocked", error: body.description } };
    return { status, result: { ok: false, reason: "failed", error: `${status} ${body.description ?? ""}`.trim() } };
  }
}

/** A clock that starts at a chosen instant and then runs in real time (set/advance jump it like FakeClock). */
export class LiveClock extends FakeClock {
  #base: number;
  #started: number;
  constructor(start: Date | string = "2026-11-20T03:00:00Z") {
    super(start);
    this.#base = new Date(start).getTime();
    this.#started = Date.now();
  }
  override now(): Date {
    return new Date(this.#base + (Date.now() - this.#started));
  }
  override set(at: Date | string): void {
    this.#base = new Date(at).getTime();
    this.#started = Date.now();
  }
  override advance(ms: number): void {
    this.#base += ms;
  }
  override advanceDays(days: number): void {
    this.#base += days * 86_400_000;
  }
}

export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  return (await waitFor(what, fn, { timeoutMs, intervalMs: everyMs })) as T;
}
