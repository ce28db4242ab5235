/**
 * The delivery engine for a runtime: Node runs the delivery worker loop in-process; Workers run one bounded batch
 * per queue invocation. Both send through the runtime's channel senders.
 */
import type { Db } from "../db/types.ts";
import type { ChannelSenders } from "../channels/channel.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { deliverBatch, finishDoneCampaigns, pendingDeliveries } from "../campaigns/delivery.ts";
import type { DeliveryEvent, DeliveryStats } from "../campaigns/delivery.ts";
import { budgetSendGuard } from "../budget/guard.ts";
import { startDeliveryWorker, type DeliveryWorker, type DeliveryWorkerOptions } from "../campaigns/worker.ts";

/** How a process runs its delivery worker (the CLI: no sendAt scheduler, leaves unroutable rows queued). */
export type DeliveryWorkerChoice = Pick<DeliveryWorkerOptions, "scheduler" | "failUnroutable">;

export interface DeliveryBatch {
  stats: DeliveryStats;
  /** Deliveries left: all pending, those due now, and when the next held-back one is due. */
  left: { pending: number; due: number; nextDueAt: Date | null };
  now: Date;
}

export interface RuntimeDeliveries {
  /** Node: the delivery worker loop (one per channel), woken by campaigns and journeys of this process. */
  startWorker(choice?: DeliveryWorkerChoice): DeliveryWorker;
  /** Workers: sends for up to `maxMs`, settles finished campaigns and reports what is left. */
  batch(o: { maxMs: number; onEvent?: (e: DeliveryEvent) => void }): Promise<DeliveryBatch>;
}

export interface DeliveriesDeps {
  db: () => Db;
  senders: ChannelSenders;
  clock: Clock;
  logger: Logger;
}

export function createDeliveries(o: DeliveriesDeps): RuntimeDeliveries {
  return {
    startWorker(choice = {}) {
      const logger = o.logger.child({ component: "delivery" });
      const sendGuard = budgetSendGuard;
      return startDeliveryWorker({ db: o.db(), senders: o.senders, clock: o.clock, logger, sendGuard, ...choice });
    },
    async batch({ maxMs, onEvent }) {
      const db = o.db();
      const { senders, clock, logger } = o;
      const stats = await deliverBatch({ db, senders, clock, logger, maxMs, ...(onEvent ? { onEvent } : {}) });
      const now = o.clock.now();
      await finishDoneCampaigns(db, now);
      // Rows held back (quiet hours, retry backoff) are pending but not due.
      const left = await pendingDeliveries(db, now);
      return { stats, left, now };
    },
  };
}
