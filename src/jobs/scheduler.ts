/** The periodic jobs for every merchant, runtime-neutral: Node calls it on an interval, Workers from `scheduled`. */
import type { Db } from "../db/types.ts";
import { merchants } from "../db/schema.ts";
import type { Logger } from "../lib/log.ts";
import { runExpiry } from "./expire.ts";
import { runTierEvaluation } from "./tiers.ts";
import { purgeExpired } from "../privacy/retention.ts";
import { runReferralRewards } from "../referrals/service.ts";
import { runRollups } from "../analytics/rollups.ts";

export type JobName = "expire" | "tiers" | "retention" | "referrals" | "rollups";

export async function runScheduledJobs(
  db: Db,
  now: Date,
  logger: Logger,
  jobs: JobName[] = ["expire", "tiers", "retention", "referrals", "rollups"],
): Promise<void> {
  const all = await db.select({ id: merchants.id }).from(merchants);
  for (const { id } of all) {
    try {
      if (jobs.includes("expire")) {
        const r = await runExpiry(db, id, now);
        if (r.points > 0) logger.info("expired points", { merchantId: id, ...r });
      }
      if (jobs.includes("tiers")) {
        const r = await runTierEvaluation(db, id, now);
        if (r.upgraded + r.downgraded > 0) logger.info("tiers evaluated", { merchantId: id, ...r });
      }
      if (jobs.includes("referrals")) {
        // Referrer rewards fall due when a friend's first order leaves the hold: hourly is precise enough.
        const r = await runReferralRewards(db, id, now);
        if (r.held + r.rewarded + r.cancelled + r.expired > 0) logger.info("referrals", { merchantId: id, ...r });
      }
      if (jobs.includes("rollups")) {
        // Analytics rollups: the days closed (an hour ago) since the last run, and the days marked dirty.
        const r = await runRollups(db, id, now);
        if (r.computed > 0) logger.info("analytics rollups", { merchantId: id, ...r });
      }
      if (jobs.includes("retention")) {
        const r = await purgeExpired(db, id, now);
        if (r.conversationTurns + r.deliveryLogs + r.outboxMessages > 0) {
          logger.info("retention purge", { merchantId: id, ...r });
        }
      }
    } catch (err) {
      logger.error("scheduled job failed", { merchantId: id, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
