/**
 * Writes the delivery state changes of one worker in batches: every change that arrives while the previous write is
 * in flight goes into the next one, as one `UPDATE … FROM (VALUES …)` (group commit). At bot-like rates each
 * change is written on its own at once; at high rates a window of concurrent sends costs one statement for its
 * `sending` marks and one for its outcomes instead of one each per message.
 *
 * The at-most-once rule is unchanged: a `sending` mark resolves only after its statement committed, and only then
 * may the call start. Lease renewals never overlap these writes, so two multi-row UPDATEs of this worker never lock
 * the same rows in different orders (no deadlocks).
 */
import { z } from "zod";
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import type { Logger } from "../lib/log.ts";
import { defaultSleep } from "../channels/rate-limiter.ts";
import { queryRows, num, col } from "../db/rows.ts";
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

/** One group-commit queue: while its statement is in flight, new changes gather for the next one. */
interface Lane {
  pending: Pending[];
  busy: boolean;
}

export class StateWriter {
  /**
   * Marks (`sending`, back to `claimed`) and outcomes go in two lanes, so a mark never waits behind an outcome
   * write: a window of calls starts as soon as its own mark committed. The two touch disjoint rows (a row's outcome
   * is written only after its call, which follows its mark), so they cannot deadlock each other.
   */
  private readonly marks: Lane = { pending: [], busy: false };
  private readonly outcomes: Lane = { pending: [], busy: false };
  /** Work that must not overlap any write of this writer (lease renewal touches the rows of both lanes). */
  private exclusive: (() => Promise<void>)[] = [];
  private exclusiveRunning = false;
  private scheduled = false;
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
      (change.op === "final" ? this.outcomes : this.marks).pending.push({ change, resolve });
      this.kick();
    });
  }

  /** Runs `fn` while no write of this writer is in flight (queued writes wait for it). */
  run(fn: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.exclusive.push(() => fn().then(resolve, reject));
      this.kick();
    });
  }

  /** Changes queued or being written. */
  get backlog(): number {
    return (
      this.marks.pending.length +
      this.outcomes.pending.length +
      (this.marks.busy ? 1 : 0) +
      (this.outcomes.busy ? 1 : 0)
    );
  }

  /** Resolves when everything queued so far is written. */
  async drain(): Promise<void> {
    await this.run(async () => {});
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A microtask later: changes made in the same turn of the event loop share the statement.
    queueMicrotask(() => {
      this.scheduled = false;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.exclusiveRunning) return;
    if (this.exclusive.length > 0) {
      if (this.marks.busy || this.outcomes.busy) return; // runs when the lanes' current statements are done
      this.exclusiveRunning = true;
      void (async () => {
        for (let fn = this.exclusive.shift(); fn; fn = this.exclusive.shift()) await fn().catch(() => {});
        this.exclusiveRunning = false;
        this.schedule();
      })();
      return;
    }
    for (const lane of [this.marks, this.outcomes]) {
      if (lane.busy || lane.pending.length === 0) continue;
      lane.busy = true;
      const batch = lane.pending.splice(0);
      void this.flush(batch).finally(() => {
        lane.busy = false;
        this.schedule();
      });
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
          this.logger.error("could not write delivery states", {
            count: batch.length,
            error: err instanceof Error ? err.message : String(err),
          });
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
    // Outcomes commit without waiting for the WAL flush: losing one in a database crash leaves its row `sending`,
    // which ends `unknown` (never resent), as when the worker dies before writing it. A `sending` mark must be
    // durable before its call (a lost mark would requeue a delivered message), so marks keep the synchronous commit;
    // and since the WAL is flushed in order, each mark's flush also makes every earlier write durable.
    const asyncCommit = finals.length === changes.length;
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
        )}) as v(id, op, status, at, mid, err, nb)${asyncCommit ? sql`, (select set_config('synchronous_commit', 'off', true)) as async_commit` : sql``}
        where d.id = v.id and d.worker = ${this.workerId}
          and (case v.op when 'sending' then d.status = 'claimed' when 'claimed' then d.status = 'sending' else d.status in ('sending', 'unknown') end)
        returning d.id`;
    this.writes++;
    if (released.length === 0 && blocked.length === 0) {
      const rows = await queryRows(this.db, update, z.object({ id: col.num }));
      return new Set(rows.map((r) => num(r.id)));
    }
    return this.db.transaction(async (tx) => {
      const rows = await queryRows(tx, update, z.object({ id: col.num })); // (its set_config holds for the whole transaction)
      if (released.length > 0)
        await tx.execute(
          sql`delete from promo_sends where delivery_id in (${sql.join(
            released.map((id) => sql`${id}::bigint`),
            sql`, `,
          )})`,
        );
      if (blocked.length > 0) {
        await tx.execute(
          sql`update channel_identities set unreachable_at = ${iso(blocked[0]!.at)}::timestamptz
              where id in (${sql.join(
                blocked.map((f) => sql`${f.identityId}::bigint`),
                sql`, `,
              )}) and unreachable_at is null`,
        );
      }
      return new Set(rows.map((r) => num(r.id)));
    });
  }
}
