import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { runExpiry } from "./expire.ts";
import { runTierEvaluation } from "./tiers.ts";

export const jobRoutes = new Hono<AppEnv>();

doc({
  method: "post",
  path: "/v1/jobs/expire",
  tag: "Jobs",
  summary: "Expire the calling merchant's point lots past pointsExpireDays (also runs on a schedule); idempotent",
  responses: {
    200: { description: "What expired", schema: z.object({ members: z.number().int(), points: z.number().int() }) },
  },
});
jobRoutes.post("/jobs/expire", async (c) =>
  c.json(await runExpiry(c.get("db"), c.get("merchantId"), c.get("deps").clock.now())),
);

doc({
  method: "post",
  path: "/v1/jobs/tiers",
  tag: "Jobs",
  summary: "Evaluate tiers now (downgrades happen only here, after a tier was held tierRetentionDays)",
  responses: {
    200: {
      description: "Counts",
      schema: z.object({ evaluated: z.number().int(), upgraded: z.number().int(), downgraded: z.number().int() }),
    },
  },
});
jobRoutes.post("/jobs/tiers", async (c) =>
  c.json(await runTierEvaluation(c.get("db"), c.get("merchantId"), c.get("deps").clock.now())),
);
