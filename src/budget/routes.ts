/** /v1/budget: the program budget's settings, its report and the cost estimates of a campaign or the journey. */
import { apiGroup, found, settingsRoutes, ok } from "../http/route.ts";
import { getJourney } from "../journeys/service.ts";
import { BudgetSettingsSchema, EstimateSchema, ReportQuerySchema, ReportSchema } from "./schemas.ts";
import {
  budgetReport,
  estimateCampaignCost,
  estimateJourneyCost,
  getBudgetSettings,
  putBudgetSettings,
} from "./service.ts";

const api = apiGroup("Budget");

const settingsStore = { get: getBudgetSettings, put: putBudgetSettings };
settingsRoutes(api, "/v1/budget/settings", BudgetSettingsSchema, settingsStore, {
  get: {
    summary: "The program budget's settings: point value, monthly budgets, warn or block (defaults: no budget, warn)",
    answer: "Settings",
  },
  put: {
    summary: "Replace the program budget's settings (fields left out take the defaults; months replace all months)",
    description:
      'Example: {"pointValue": {"amount": 1, "points": 10}, "enforcement": "block", "monthly": {"points": 500000, "spend": 2000000}, "months": [{"month": "2026-12", "points": 800000, "spend": 3000000}], "llmPricePerMillionTokens": 15000}. Amounts are in the currency\'s minor unit (VND: đồng).',
    answer: "Settings now in force",
  },
});

api.get(
  "/v1/budget/report",
  {
    summary:
      "Monthly points issued and spend against the budgets, liability and expected breakage, cost per member, program cost vs incremental revenue",
    description: "Definitions: docs/budget.md. Months are the merchant's local calendar months.",
    query: ReportQuerySchema,
    responses: ok("The report", ReportSchema),
  },
  ({ db, merchantId, now, query }) => budgetReport(db, merchantId, now, query.months),
);

api.get(
  "/v1/budget/campaigns/{id}/estimate",
  {
    summary:
      "What sending the campaign now would cost (bonus points × point value + ZNS messages × price) vs the month's budget",
    description: "The same check runs when the campaign is sent: `over` lists the budgets it would exceed.",
    responses: found("The estimate", EstimateSchema, "No such campaign of this merchant"),
  },
  ({ db, merchantId, now, param }) => estimateCampaignCost(db, merchantId, param("id"), now),
);

api.get(
  "/v1/budget/journeys/reactivation/estimate",
  {
    summary: "What the reactivation journey's next pass would cost, with its steps as saved, vs the month's budget",
    description: "The same check runs when the journey is enabled (PUT /v1/journeys/reactivation).",
    responses: ok("The estimate", EstimateSchema),
  },
  async ({ db, merchantId, now }) =>
    estimateJourneyCost(db, merchantId, (await getJourney(db, merchantId, now)).steps, now),
);

export const budgetRoutes = api.app;
