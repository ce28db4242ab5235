import { z } from "zod";
import { apiGroup, ok } from "../http/route.ts";
import { runExpiry } from "./expire.ts";
import { runTierEvaluation } from "./tiers.ts";
import { runRollups } from "../analytics/rollups.ts";

const api = apiGroup("Jobs");

api.post(
  "/v1/jobs/expire",
  {
    summary: "Expire the calling merchant's point lots past pointsExpireDays (also runs on a schedule); idempotent",
    responses: ok("What expired", z.object({ members: z.number().int(), points: z.number().int() })),
  },
  ({ db, merchantId, now }) => runExpiry(db, merchantId, now),
);

api.post(
  "/v1/jobs/tiers",
  {
    summary:
      "Evaluate tiers now (downgrades happen only here: after a tier was held tierRetentionDays, or at once when refunds took away the spend it stood on)",
    responses: ok(
      "Counts",
      z.object({ evaluated: z.number().int(), upgraded: z.number().int(), downgraded: z.number().int() }),
    ),
  },
  ({ db, merchantId, now }) => runTierEvaluation(db, merchantId, now),
);

api.post(
  "/v1/jobs/rollups",
  {
    summary:
      "Recompute the calling merchant's analytics rollups: closed days marked dirty or missing (also runs hourly); idempotent",
    responses: ok(
      "What was recomputed",
      z.object({
        dirty: z.number().int().describe("Dirty-day markers taken"),
        computed: z.number().int().describe("Days (re)computed"),
      }),
    ),
  },
  ({ db, merchantId, now }) => runRollups(db, merchantId, now),
);

export const jobRoutes = api.app;
