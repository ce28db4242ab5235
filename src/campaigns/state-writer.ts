/**
 * Writes the delivery state changes of one worker in batches: every change that arrives while the previous write is
 * in flight goes into the next one, as one `UPDATE … FROM (VALUES …)` (group commit). At bot-like rates each
 * change is written on its own at once; at high rates a window of concurrent sends costs one statement for its
 * `sending` marks and one for its outcomes instead of one each per message.
 *
 * The at-most-once rule is unchanged: a `sending` mark resolves only after its statement committed, and only then
 * may the call start. Every write is serialised here, lease renewals included, so two multi-row UPDATEs of this
 * worker never lock the same rows in different orders (no deadlocks).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import type { Logger } from "../lib/log.ts";
import { defaultSleep } from "../channels/rate-limiter.ts";
import { queryRows, num } from "../segments/sql.ts";
import type { DeliveryStatus } from "./tables.ts";

export type StateChange =
  /** claimed → sending, right before the call (attempts + 1, lease renewed). */
  | { op: "sending"; id: number; at: Date }
  /** sending → claimed: the platform answered 429, nothing was delivered, the row is retried. */
  | { op: "claimed"; id: number; at: Date }
  /** sending → outcome (`queued` = retry later with `notBefore`). */
  | {
      op: "final";
      id: number;
      at: Date;
      status: DeliveryStatus;
      messageId?: string | undefined;
      error?: string | undefined;
      notBefore?: Date | undefined;
      /** The chat to mark unreachable when `blocked`. */
      identityId?: number | null;
    };

interface Pending {
  change: StateChange;
  resolve: (applied: boolean) => void;
}

const iso = (d: Date) => d.toISOString();

/** Outcomes whose promotional push certainly did not go out: their frequency-cap slot is given back. */
const RELEASES_CAP = new Set<DeliveryStatus>(["queued", "failed", "blocked"]);

export class StateWriter {
  private pending: Pending[] = [];
  private exclusive: (() => Promise<void>)[] = [];
  private running = false;
  private readonly db: Db;
  private readonly workerId: string;
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private readonly now: () => Date;
  /** Statements written so far (for benchmarks and tests). */
  writes = 0;

  constructor(o: { db: Db; workerId: string; leaseMs: number; logger: Logger; now: () => Date }) {
    this.db = o.db;
    this.workerId = o.workerId;
    this.leaseMs = o.leaseMs;
    this.logger = o.logger;
    this.now = o.now;
  }

  /** Queues a change; resolves true once it is committed, false when the row was not in the expected state. */
  write(change: StateChange): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.pending.push({ change, resolve });
      this.kick();
    });
  }

  /** Runs `fn` between two batches (nothing of this writer runs concurrently with it). */
  run(fn: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.exclusive.push(() => fn().then(resolve, reject));
      this.kick();
    });
  }

  /** Resolves when everything queued so far is written. */
  async drain(): Promise<void> {
    await this.run(async () => {});
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // A microtask later: changes made in the same turn of the event loop share the statement.
    queueMicrotask(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        const fn = this.exclusive.shift();
        if (fn) {
          await fn().catch(() => {});
          continue;
        }
        const batch = this.pending.splice(0);
        if (batch.length === 0) return;
        await this.flush(batch);
      }
    } finally {
      this.running = false;
      if (this.pending.length > 0 || this.exclusive.length > 0) this.kick();
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    batch.sort((a, b) => a.change.id - b.change.id);
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await this.writeOnce(batch.map((p) => p.change));
        for (const p of batch) p.resolve(applied.has(p.change.id));
        return;
      } catch (err) {
        if (attempt >= 5) {
          // Give up: marks count as not made (nothing is sent); outcomes stay unwritten, the rows stay `sending`
          // and end up `unknown` once their lease expires (never resent).
          this.logger.error("could not write delivery states", { count: batch.length, error: err instanceof Error ? err.message : String(err) });
          for (const p of batch) p.resolve(false);
          return;
        }
        await defaultSleep(50 * attempt);
      }
    }
  }

  private async writeOnce(changes: StateChange[]): Promise<Set<number>> {
    const lease = iso(new Date(this.now().getTime() + this.leaseMs));
    const finals = changes.filter((c): c is Extract<StateChange, { op: "final" }> => c.op === "final");
    const released = finals.filter((f) => RELEASES_CAP.has(f.status)).map((f) => f.id);
    const blocked = finals.filter((f) => f.status === "blocked" && f.identityId !== null && f.identityId !== undefined);
    const update = sql`update deliveries d set status = v.status,
          attempts = d.attempts + case when v.op = 'sending' then 1 else 0 end,
          lease_until = case when v.op = 'final' then null else ${lease}::timestamptz end,
          updated_at = v.at::timestamptz,
          sent_at = case when v.status = 'sent' then v.at::timestamptz else d.sent_at end,
          message_id = case when v.op = 'final' then v.mid else d.message_id end,
          error = case when v.op = 'final' then v.err else d.error end,
          not_before = coalesce(v.nb::timestamptz, d.not_before),
          worker = case when v.status = 'queued' then null else d.worker end,
          text = case when v.status = 'queued' then null else d.text end
        from (values ${sql.join(
          changes.map((c) => {
            const f = c.op === "final" ? c : undefined;
            const status = f ? f.status : c.op;
            return sql`(${c.id}::bigint, ${c.op}::text, ${status}::text, ${iso(c.at)}::text, ${f?.messageId ?? null}::text, ${f?.error ?? null}::text, ${f?.notBefore ? iso(f.notBefore) : null}::text)`;
          }),
          sql`, `,
        )}) as v(id, op, status, at, mid, err, nb)
        where d.id = v.id and d.worker = ${this.workerId}
          and (case v.op when 'sending' then d.status = 'claimed' when 'claimed' then d.status = 'sending' else d.status in ('sending', 'unknown') end)
        returning d.id`;
    this.writes++;
    if (released.length === 0 && blocked.length === 0) {
      const rows = await queryRows<{ id: unknown }>(this.db, update);
      return new Set(rows.map((r) => num(r.id)));
    }
    return this.db.transaction(async (tx) => {
      const rows = await queryRows<{ id: unknown }>(tx, update);
      if (released.length > 0) await tx.execute(sql`delete from promo_sends where delivery_id in (${sql.join(released.map((id) => sql`${id}::bigint`), sql`, `)})`);
      if (blocked.length > 0) {
        await tx.execute(
          sql`update channel_identities set unreachable_at = ${iso(blocked[0]!.at)}::timestamptz
              where id in (${sql.join(blocked.map((f) => sql`${f.identityId}::bigint`), sql`, `)}) and unreachable_at is null`,
        );
      }
      return new Set(rows.map((r) => num(r.id)));
    });
  }
}
