/**
 * The delivery engine over the outbox (`webhook_messages`): claims due messages with a lease, signs each with its
 * endpoint's secret (Standard Webhooks, the `standardwebhooks` package) and POSTs it; 2xx = delivered, anything else
 * is retried with exponential backoff until MAX_ATTEMPTS. At-least-once: a process killed mid-attempt leaves the row
 * pending with its lease, and the next worker retries it after the lease with the same `webhook-id`.
 */
import { z } from "zod";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { Db } from "../db/types.ts";
import { queryRows, toDate, col } from "../db/rows.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import type { Logger } from "../lib/log.ts";
import { urlRefusal } from "./address.ts";

/** Attempts per message: the 11th comes ≈ 25.6 h after the first (see retryDelaySeconds), then it is `failed`. */
export const MAX_ATTEMPTS = 11;

/** Seconds to wait after the n-th failed attempt (n ≥ 1): 5 s × 4^(n−1), capped at 6 h. */
export function retryDelaySeconds(n: number): number {
  return Math.min(5 * 4 ** (n - 1), 6 * 3600);
}

/** The HTTP call, injected per runtime (Node pins the connection to a checked address: node-post.ts). */
export type WebhookPost = (
  url: string,
  init: { headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number }>;

/** Runtime-neutral transport (Workers: their fetch cannot reach private networks; literal addresses are refused). */
export const fetchPost: WebhookPost = async (url, init) => {
  const res = await fetch(url, { method: "POST", redirect: "manual", ...init });
  await res.body?.cancel();
  return { status: res.status };
};

export interface DeliverOptions {
  now: Date;
  post: WebhookPost;
  box: SecretBox;
  timeoutMs: number;
  allowPrivate: boolean;
  logger?: Logger;
  /** Messages claimed per call. */
  limit?: number;
}

export interface DeliverStats {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

interface Claimed {
  id: string;
  endpoint_id: string;
  payload: unknown;
  attempts: number;
  url: string | null;
  secret_sealed: string | null;
  deleted_at: unknown;
}

/** Claim up to `limit` due messages: the attempt is counted and the row leased until the attempt's time-out passes. */
async function claimDue(db: Db, now: Date, limit: number, leaseMs: number): Promise<Claimed[]> {
  const lease = new Date(now.getTime() + leaseMs);
  return queryRows(
    db,
    sql`with due as (
          select id from webhook_messages
          where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz
          order by next_attempt_at limit ${limit} for update skip locked
        ), claimed as (
          update webhook_messages m set attempts = m.attempts + 1, last_attempt_at = ${now.toISOString()}::timestamptz,
            next_attempt_at = ${lease.toISOString()}::timestamptz
          from due where m.id = due.id
          returning m.id, m.endpoint_id, m.payload, m.attempts
        )
        select c.*, e.url, e.secret_sealed, e.deleted_at from claimed c
        left join webhook_endpoints e on e.id = c.endpoint_id`,
    z.object({
      id: z.string(),
      endpoint_id: z.string(),
      payload: col.any,
      attempts: col.num,
      url: z.string().nullable(),
      secret_sealed: z.string().nullable(),
      deleted_at: col.any,
    }),
  );
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string; final?: boolean };

/** The request a message is sent as: its stored body, signed at the sending moment (receivers check ±5 min). */
export async function signedRequest(
  secret: string,
  msgId: string,
  payload: unknown,
  sentAt: Date,
): Promise<{ headers: Record<string, string>; body: string }> {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "chatloyalty-webhooks/1",
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(msgId, sentAt, body),
    },
  };
}

async function attempt(m: Claimed, o: DeliverOptions): Promise<Outcome> {
  if (!m.url || !m.secret_sealed || m.deleted_at)
    return { ok: false, status: null, error: "endpoint deleted", final: true };
  const refused = urlRefusal(m.url, o.allowPrivate);
  if (refused) return { ok: false, status: null, error: `url ${refused}` };
  try {
    const secret = await o.box.open(m.secret_sealed);
    // The real time, not the app clock: receivers compare webhook-timestamp with their own clock.
    const req = await signedRequest(secret, m.id, m.payload, new Date());
    const res = await o.post(m.url, { ...req, signal: AbortSignal.timeout(o.timeoutMs) });
    return res.status >= 200 && res.status < 300
      ? { ok: true, status: res.status }
      : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const reason =
      e.name === "TimeoutError"
        ? `timed out after ${o.timeoutMs} ms`
        : e.cause instanceof Error
          ? e.cause.message
          : e.message;
    return { ok: false, status: null, error: reason.slice(0, 300) };
  }
}

/** Record an attempt's outcome — only if the row is still this attempt's (a lease taken over by another worker wins). */
async function settle(db: Db, m: Claimed, r: Outcome, now: Date): Promise<"delivered" | "retrying" | "failed"> {
  const guard = sql`id = ${m.id} and attempts = ${m.attempts} and status = 'pending'`;
  const at = now.toISOString();
  if (r.ok) {
    await db.execute(sql`update webhook_messages set status = 'delivered', delivered_at = ${at}::timestamptz,
      last_status = ${r.status}, last_error = null where ${guard}`);
    return "delivered";
  }
  const final = r.final || m.attempts >= MAX_ATTEMPTS;
  const next = new Date(now.getTime() + retryDelaySeconds(m.attempts) * 1000).toISOString();
  const status = r.final ? "cancelled" : final ? "failed" : "pending";
  await db.execute(sql`update webhook_messages set status = ${status}, last_status = ${r.status},
    last_error = ${r.error}, next_attempt_at = ${final ? at : next}::timestamptz where ${guard}`);
  return final ? "failed" : "retrying";
}

/** One pass: claim what is due, attempt it (concurrently), record the outcomes. */
export async function deliverDue(db: Db, o: DeliverOptions): Promise<DeliverStats> {
  const claimed = await claimDue(db, o.now, o.limit ?? 20, o.timeoutMs + 10_000);
  const stats: DeliverStats = { claimed: claimed.length, delivered: 0, retrying: 0, failed: 0 };
  await Promise.all(
    claimed.map(async (m) => {
      const outcome = await attempt(m, o);
      const settled = await settle(db, m, outcome, o.now);
      stats[settled]++;
      if (!outcome.ok)
        o.logger?.info("webhook attempt failed", { message: m.id, attempt: m.attempts, error: outcome.error });
    }),
  );
  return stats;
}

/** When the next pending message is due (null: none), for the Workers queue's delayed tick and the Node loop. */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const [row] = await queryRows(
    db,
    sql`select min(next_attempt_at) as at from webhook_messages where status = 'pending'`,
    z.object({ at: col.any }),
  );
  return toDate(row?.at);
}
