/**
 * Outbound events for a runtime: Node runs the delivery loop in-process; Workers run one bounded pass per queue
 * invocation (src/worker.ts) and learn when to tick next.
 */
import type { Config } from "../config.ts";
import type { Db } from "../db/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { createSecretBox } from "../lib/secret-box.ts";
import { allowPrivateUrls } from "../webhooks/config.ts";
import { deliverDue, fetchPost, nextDueAt, type DeliverStats, type WebhookPost } from "../webhooks/deliver.ts";
import { startWebhookWorker, type WebhookWorker } from "../webhooks/worker.ts";

export interface RuntimeWebhooks {
  startWorker(): WebhookWorker;
  /** Workers: delivers what is due for up to `maxMs`; `nextDueAt` is when the queue should tick again (null: idle). */
  batch(o: { maxMs: number }): Promise<{ stats: DeliverStats; nextDueAt: Date | null; now: Date }>;
}

export function createWebhooks(o: {
  db: () => Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  post?: WebhookPost;
}): RuntimeWebhooks {
  const logger = o.logger.child({ component: "webhooks" });
  const send = {
    post: o.post ?? fetchPost,
    box: createSecretBox(o.config.SECRETS_KEY),
    timeoutMs: o.config.WEBHOOK_TIMEOUT_SECONDS * 1000,
    allowPrivate: allowPrivateUrls(o.config),
    logger,
  };
  return {
    startWorker: () => startWebhookWorker({ ...send, db: o.db(), clock: o.clock }),
    async batch({ maxMs }) {
      const db = o.db();
      const started = Date.now();
      const stats: DeliverStats = { claimed: 0, delivered: 0, retrying: 0, failed: 0 };
      // Passes of up to 20 messages while work is due and time is left (one attempt can take timeoutMs).
      while (Date.now() - started + send.timeoutMs < maxMs) {
        const s = await deliverDue(db, { ...send, now: o.clock.now() });
        for (const k of ["claimed", "delivered", "retrying", "failed"] as const) stats[k] += s[k];
        if (s.claimed === 0) break;
      }
      return { stats, nextDueAt: await nextDueAt(db), now: o.clock.now() };
    },
  };
}
