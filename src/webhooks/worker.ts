/**
 * Node: the outbound delivery loop, started by the runtime. It delivers what is due, then sleeps until the next
 * message is due (at most `pollMs`, so events committed by other processes — the CLI, a second server — are picked
 * up within a second).
 */
import type { Db } from "../db/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { deliverDue, nextDueAt, type DeliverOptions } from "./deliver.ts";

export interface WebhookWorker {
  /** Deliver now (after a write of this process). */
  wake(): void;
  stop(): Promise<void>;
}

export function startWebhookWorker(
  o: Omit<DeliverOptions, "now"> & { db: Db; clock: Clock; logger: Logger; pollMs?: number },
): WebhookWorker {
  const pollMs = o.pollMs ?? 1000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wakeUp: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wakeUp = resolve;
      timer = setTimeout(resolve, ms);
    });
  const loop = (async () => {
    while (!stopped) {
      let wait = pollMs;
      try {
        const stats = await deliverDue(o.db, { ...o, now: o.clock.now() });
        if (stats.claimed > 0) continue; // maybe more due
        const next = await nextDueAt(o.db);
        if (next) wait = Math.max(10, Math.min(pollMs, next.getTime() - o.clock.now().getTime()));
      } catch (err) {
        // The database may be briefly away; the rows stay pending and are retried on the next pass.
        o.logger.warn("webhook delivery pass failed", { error: err instanceof Error ? err.message : String(err) });
      }
      if (!stopped) await sleep(wait);
    }
  })();
  return {
    wake() {
      clearTimeout(timer);
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wakeUp?.();
      await loop;
    },
  };
}
