/**
 * The Node delivery worker: one sending loop per channel with a sender, a recovery sweep, the campaign scheduler
 * (sendAt) and — through `wakeDeliveryWorkers()` — a prompt start when a campaign or journey queues messages in
 * this process. Other processes pick new work up within `pollMs`.
 */
import { silentLogger } from "../lib/log.ts";
import { DeliveryEngine, type DeliveryOptions, type DeliveryStats } from "./delivery.ts";
import { runDueCampaigns } from "./service.ts";
import type { SendGuard } from "./guard.ts";

const wakers = new Set<() => void>();

/** Wakes every delivery worker of this process (called after a campaign starts or a journey queues steps). */
export function wakeDeliveryWorkers(): void {
  for (const w of [...wakers]) w();
}

/** The engine's options (see DeliveryOptions) plus the loop's own. */
export interface DeliveryWorkerOptions extends DeliveryOptions {
  /** Idle poll interval (default 1 s). */
  pollMs?: number;
  /** Recovery sweep interval (default 5 s). */
  sweepMs?: number;
  /** Run the sendAt scheduler here (default true). */
  scheduler?: boolean;
  /** Fail queued rows of channels without a sender (default true: campaigns finish even then). */
  failUnroutable?: boolean;
  /** The check before a scheduled campaign starts (the program budget's, src/campaigns/guard.ts). */
  sendGuard?: SendGuard;
}

export interface DeliveryWorker {
  readonly engine: DeliveryEngine;
  readonly stats: DeliveryStats;
  wake(): void;
  /** Stops claiming, lets in-flight sends finish, hands claimed-but-unsent rows back to the queue. */
  stop(): Promise<void>;
}

export function startDeliveryWorker(o: DeliveryWorkerOptions): DeliveryWorker {
  const logger = o.logger ?? silentLogger;
  const engine = new DeliveryEngine({ ...o, logger });
  const pollMs = o.pollMs ?? 1000;
  let stopped = false;
  const abort = new AbortController();
  const sleepers = new Set<() => void>();
  const wake = () => {
    for (const s of [...sleepers]) s();
  };
  const idle = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, pollMs);
      sleepers.add(done);
    });
  wakers.add(wake);

  const loops = engine.channels().map((ch) =>
    engine.runChannel(ch, { shouldStop: () => stopped, idle, signal: abort.signal }).catch((err: unknown) => {
      logger.error("delivery loop crashed", { channel: ch, error: err instanceof Error ? err.message : String(err) });
    }),
  );

  // Recovery sweep + scheduler + renewal of this process's leases.
  const housekeeping = async () => {
    try {
      await engine.renewLeases();
      const r = await engine.sweep();
      if (r.requeued + r.unknown > 0) wake();
      if (o.scheduler !== false) {
        const started = await runDueCampaigns(o.db, o.clock.now(), o.sendGuard);
        if (started.length > 0) {
          logger.info("scheduled campaigns started", { campaigns: started });
          wake();
        }
      }
      if (o.failUnroutable !== false) await engine.failUnroutable();
    } catch (err) {
      logger.error("delivery housekeeping failed", { error: err instanceof Error ? err.message : String(err) });
    }
  };
  void housekeeping();
  const timer = setInterval(() => void housekeeping(), Math.min(o.sweepMs ?? 5000, (o.leaseMs ?? 60_000) / 3));

  return {
    engine,
    get stats() {
      return engine.stats;
    },
    wake,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      wakers.delete(wake);
      abort.abort(new Error("delivery worker stopping"));
      wake();
      await Promise.all(loops);
      await engine.releaseClaimed().catch(() => {});
    },
  };
}
