/**
 * The periodic jobs, runtime-neutral: Workers call them from `scheduled`, Node runs them on timers
 * (`startSchedules`). The database is resolved per call (Workers: the invocation's client).
 */
import type { Db } from "../db/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { runScheduledJobs } from "../jobs/scheduler.ts";
import { runDueCampaigns } from "../campaigns/service.ts";
import { budgetSendGuard } from "../budget/guard.ts";
import { wakeDeliveryWorkers } from "../campaigns/worker.ts";
import { runAllJourneys, startJourneySchedule } from "../journeys/service.ts";
import { rebuildStaleModels, startModelRebuildSchedule } from "../recs/build.ts";
import { runSurveyOrderPass } from "../surveys/service.ts";

export interface RuntimeJobs {
  /** Points expiry and tier evaluation for every merchant. */
  expiryAndTiers(now: Date): Promise<void>;
  /** Scheduled campaigns whose sendAt has come: started (recipients queued). */
  dueCampaigns(now: Date): Promise<string[]>;
  /** A journey pass for every merchant; the number of deliveries queued. */
  journeys(now: Date): Promise<number>;
  /** Surveys offered after orders: the members whose order is old enough are queued; the number queued. */
  surveys(now: Date): Promise<number>;
  /** Co-purchase models missing or 20 h old are rebuilt (a no-op when orders did not change). */
  rebuildModels(now: Date): ReturnType<typeof rebuildStaleModels>;
  /** The hourly run of Workers' cron: expiry and tiers, due campaigns, a journey pass. */
  hourly(now: Date): Promise<{ campaignsStarted: number; journeyStepsQueued: number; surveysQueued: number }>;
  /** The nightly run of Workers' cron: model rebuilds. */
  nightly(now: Date): ReturnType<typeof rebuildStaleModels>;
}

export function createJobs(db: () => Db, logger: Logger): RuntimeJobs {
  const jobs: RuntimeJobs = {
    expiryAndTiers: (now) => runScheduledJobs(db(), now, logger),
    dueCampaigns: (now) => runDueCampaigns(db(), now, budgetSendGuard),
    journeys: (now) => runAllJourneys(db(), now, logger, budgetSendGuard),
    surveys: (now) => runSurveyOrderPass(db(), now, logger, budgetSendGuard),
    rebuildModels: (now) => rebuildStaleModels(db(), now, logger),
    async hourly(now) {
      await jobs.expiryAndTiers(now);
      const started = await jobs.dueCampaigns(now);
      const queued = await jobs.journeys(now);
      const surveysQueued = await jobs.surveys(now);
      return { campaignsStarted: started.length, journeyStepsQueued: queued, surveysQueued };
    },
    nightly: (now) => jobs.rebuildModels(now),
  };
  return jobs;
}

const HOUR = 3_600_000;

/**
 * Node's timers: expiry and tiers hourly (first run 30 s after start), journeys and the after-order survey pass
 * every 10 minutes (waking the in-process delivery worker when messages were queued), model rebuilds hourly. Due campaigns are started by the
 * delivery worker's own sendAt scheduler.
 */
export function startSchedules(jobs: RuntimeJobs, db: Db, clock: Clock, logger: Logger): { stop(): Promise<void> } {
  const tick = () =>
    jobs.expiryAndTiers(clock.now()).catch((err: unknown) => logger.error("jobs failed", { error: String(err) }));
  const firstRun = setTimeout(tick, 30_000);
  const interval = setInterval(tick, HOUR);
  const journeyLogger = logger.child({ component: "journeys" });
  const journeys = startJourneySchedule({
    db,
    clock,
    logger: journeyLogger,
    guard: budgetSendGuard,
    onQueued: wakeDeliveryWorkers,
  });
  const models = startModelRebuildSchedule({ db, clock, logger: logger.child({ component: "recs" }) });
  // Surveys after orders: as often as the journey pass (their delay is counted in hours).
  const surveyTick = () =>
    jobs
      .surveys(clock.now())
      .then((n) => {
        if (n > 0) wakeDeliveryWorkers();
      })
      .catch((err: unknown) => logger.error("survey pass failed", { error: String(err) }));
  const surveys = setInterval(surveyTick, 10 * 60_000);
  return {
    async stop() {
      clearTimeout(firstRun);
      clearInterval(interval);
      clearInterval(surveys);
      journeys.stop();
      await models.stop();
    },
  };
}
