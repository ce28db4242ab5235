/** /v1/journeys/reactivation and /v1/jobs/journeys. */
import { z } from "zod";
import { apiGroup, ints, ok } from "../http/route.ts";
import { MessageSchema, ZnsOfferSchema } from "../campaigns/service.ts";
import { ChannelChoiceSchema } from "../campaigns/routing.ts";
import { wakeDeliveryWorkers } from "../campaigns/worker.ts";
import { SendWarningSchema } from "../campaigns/guard.ts";
import { getJourney, JourneyConfigSchema, putJourney, runJourneyPass } from "./service.ts";
import { budgetCheckFields } from "../lib/schemas/budget-check.ts";

const api = apiGroup("Journeys");

const StepCounts = z.object({
  ...ints("sent", "converted", "revenue", "pending", "skipped", "failed"),
  byChannel: z.record(z.string(), z.number().int()).describe("sent per channel (telegram, zalo, web, zns)"),
});

const JourneyBudgetCheckSchema = z
  .object(budgetCheckFields("The pass's estimated cost (currency minor units)"))
  .describe(
    "A journey pass's budget check: within the month's remaining budget, over it and sent with a warning (the budget warns), or skipped (the budget blocks)",
  );

const JourneyViewSchema = z.object({
  kind: z.literal("reactivation"),
  enabled: z.boolean(),
  attributionDays: z.number().int(),
  steps: z.array(
    z.object({
      segmentId: z.string(),
      message: MessageSchema,
      offerId: z.string().optional(),
      channel: ChannelChoiceSchema.optional(),
      znsTemplateId: z.string().optional(),
      znsOffer: ZnsOfferSchema.optional(),
      counts: StepCounts,
    }),
  ),
  lastRunAt: z.string().nullable(),
  budgetCheck: JourneyBudgetCheckSchema.nullable().describe(
    "The latest pass's budget check (null: no pass yet; within also when no budget is set)",
  ),
  budgetSkips: z.number().int().describe("Passes skipped because they would have gone over a blocking budget"),
  updatedAt: z.string().nullable(),
});

const HELP =
  "Each step is a segment (built-in recent-7 / recent-14 / recent-28 or a custom one) and a message. A member gets each step at most once per entry into its window (an entry = the member's last order), nothing after buying again, never above the frequency cap, never when opted out, never inside quiet hours. converted = members who ordered within attributionDays after the step reached them (last touch); revenue = Σ (total − refunds) of those orders.";

api.put(
  "/v1/journeys/reactivation",
  {
    summary: "Configure the reactivation journey",
    description:
      HELP +
      " An unknown segmentId → 400 at steps.N.segmentId. Enabling a disabled journey checks its estimated cost against the month's remaining budget (docs/budget.md): 409 over-budget when the budget blocks, else saved with a `budget` warning.",
    body: JourneyConfigSchema,
    responses: ok(
      "The journey with per-step counts",
      JourneyViewSchema.extend({ budget: SendWarningSchema.optional() }),
      { 409: "Enabling it would exceed a blocking budget (…/over-budget)" },
    ),
  },
  async ({ db, merchantId, now, body: input, deps }) => putJourney(db, merchantId, input, now, deps.sendGuard),
);

api.get(
  "/v1/journeys/reactivation",
  {
    summary: "The reactivation journey with per-step counts (sent, converted, revenue)",
    description: HELP,
    responses: ok("The journey (disabled with no steps until configured)", JourneyViewSchema),
  },
  ({ db, merchantId, now }) => getJourney(db, merchantId, now),
);

api.post(
  "/v1/jobs/journeys",
  {
    tag: "Jobs",
    summary: "Run one journey pass now for the calling merchant (also runs on a schedule); idempotent",
    description:
      "Queues each step for members newly in its window; the delivery worker sends them (paced, capped, outside quiet hours). With a monthly budget set, the pass first checks its estimated cost (the members it would queue now) against the remaining budget: over a blocking budget it is skipped (queued 0, budget.outcome skipped), over a warning one it runs with budget.outcome warned (docs/budget.md).",
    responses: ok(
      "What was queued",
      z.object({
        enabled: z.boolean(),
        queued: z.number().int(),
        steps: z.array(z.object({ step: z.number().int(), segmentId: z.string(), queued: z.number().int() })),
        budget: JourneyBudgetCheckSchema.optional(),
      }),
    ),
  },
  async ({ db, merchantId, now, deps }) => {
    const r = await runJourneyPass(db, merchantId, now, deps.sendGuard);
    if (r.queued > 0) wakeDeliveryWorkers();
    return r;
  },
);

export const journeyRoutes = api.app;
