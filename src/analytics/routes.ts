import { z } from "zod";
import { apiGroup, ints, type JsonBody, ok } from "../http/route.ts";
import { cohorts } from "./cohorts.ts";
import { programKpis } from "./kpis.ts";
import { summary } from "./service.ts";
import { storeFilter } from "../stores/service.ts";
import { storeFilterParam } from "../stores/schemas.ts";
import type { Db } from "../db/types.ts";
import { windowDays } from "../lib/schemas/fields.ts";

const api = apiGroup("Analytics");

/** An analytics report's route: GET `path` answering `schema`, run for the query at its checked `?storeId=` (or all). */
function report<T extends { storeId?: string | undefined }>(
  path: string,
  spec: { summary: string; query: z.ZodType<T>; answer: string; schema: z.ZodType },
  run: (db: Db, merchantId: string, now: Date, q: T, storeId: string | null) => Promise<JsonBody>,
): void {
  const { answer, schema, ...doc } = spec;
  api.get(path, { ...doc, responses: ok(answer, schema) }, async ({ db, merchantId, now, query: q }) =>
    run(db, merchantId, now, q, await storeFilter(db, merchantId, q.storeId)),
  );
}

const SummaryQuery = z.object({
  days: windowDays(),
  storeId: storeFilterParam(
    "order count, revenue, byChannel, member shares, active members, repeat rate and the daily orders/revenue (computed live, not from the daily rollups). Members, points, tiers and rewards stay merchant-wide.",
  ),
});

const SummarySchema = z.object({
  window: z.object({ days: z.number().int(), from: z.string(), to: z.string(), timezone: z.string() }),
  members: z.object(ints("total", "new", "active", "linkedChat", "optedIn")),
  orders: z.object({
    ...ints("count", "revenue", "averageOrderValue"),
    memberShare: z.number().describe("Share of the window's orders placed by members"),
    memberRevenueShare: z.number().describe("Share of the window's net revenue from members' orders"),
    byChannel: z.array(z.object({ channel: z.string(), orders: z.number().int(), revenue: z.number().int() })),
  }),
  points: z.object({ ...ints("issued", "redeemed", "expired", "outstanding"), redemptionRate: z.number() }),
  repeatPurchaseRate: z.number(),
  tiers: z.array(z.object({ name: z.string(), members: z.number().int() })),
  topRewards: z.array(
    z.object({ id: z.string(), name: z.string(), redemptions: z.number().int(), points: z.number().int() }),
  ),
  daily: z.array(
    z.object({
      day: z.string(),
      ...ints("orders", "revenue", "pointsIssued", "pointsRedeemed", "pointsExpired", "newMembers"),
    }),
  ),
});

report(
  "/v1/analytics/summary",
  {
    summary:
      "Program KPIs over the last N days (members, orders, points issued/redeemed/expired, tiers, top rewards, daily series)",
    query: SummaryQuery,
    answer: "KPIs",
    schema: SummarySchema,
  },
  (db, merchantId, now, q, storeId) => summary(db, merchantId, now, q.days, storeId),
);

const KpisQuery = z.object({
  days: windowDays(),
  storeId: storeFilterParam(
    "orders, revenue, memberShare, memberRevenueShare, buyers, retention, purchaseFrequency and both averageOrderValues (a member is a buyer / retained by their orders at this store). pointsIssued, pointsRedeemed, redemptionRate, redeemerShare, pointsLiability and pointValue stay merchant-wide.",
  ),
});
const RatioSchema = z.object({
  numerator: z.number().int(),
  denominator: z.number().int(),
  value: z.number().nullable().describe("numerator ÷ denominator rounded for display (null when the denominator is 0)"),
});
const compared = <T extends z.ZodType>(s: T) => z.object({ current: s, previous: s });
const LiabilitySchema = z.object({
  points: z.number().int(),
  value: z.number().int(),
  breakageRate: RatioSchema,
  expectedBreakage: z.number().int(),
  net: z.number().int(),
});
const KpisSchema = z.object({
  period: z.object({ days: z.number().int(), from: z.string(), to: z.string(), timezone: z.string() }),
  previousPeriod: z.object({ from: z.string(), to: z.string() }),
  kpis: z.object({
    orders: compared(z.object({ member: z.number().int(), guest: z.number().int() })),
    revenue: compared(z.object({ member: z.number().int(), guest: z.number().int() })),
    memberShare: compared(RatioSchema),
    memberRevenueShare: compared(RatioSchema),
    buyers: compared(z.number().int()),
    retention: compared(RatioSchema),
    purchaseFrequency: compared(RatioSchema),
    averageOrderValueMember: compared(RatioSchema),
    averageOrderValueGuest: compared(RatioSchema),
    pointsIssued: compared(z.number().int()),
    pointsRedeemed: compared(z.number().int()),
    redemptionRate: compared(RatioSchema),
    redeemerShare: compared(RatioSchema),
    pointsLiability: compared(LiabilitySchema),
  }),
  pointValue: z.object({ value: z.number(), source: z.enum(["program", "vouchers", "default"]) }),
  liabilityMethod: z.string(),
});

report(
  "/v1/analytics/kpis",
  {
    summary:
      "Program KPIs for the last N days next to the N days before (member vs guest orders and revenue, retention, purchase frequency, AOV, redemption, points liability); definitions in docs/dashboard.md",
    query: KpisQuery,
    answer: "KPIs, current and previous period",
    schema: KpisSchema,
  },
  (db, merchantId, now, q, storeId) => programKpis(db, merchantId, now, q.days, storeId),
);

const CohortsQuery = z.object({
  months: z.coerce.number().int().min(1).max(36).default(12),
  storeId: storeFilterParam(
    "every figure — a member's cohort is the month of their first order at this store (earlier orders at other stores do not count) and a month's buyers are the cohort members who ordered at this store that month.",
  ),
});
const CohortsSchema = z.object({
  months: z.number().int(),
  from: z.string(),
  to: z.string(),
  timezone: z.string(),
  cohorts: z.array(
    z.object({
      month: z.string(),
      members: z.number().int(),
      retention: z.array(z.object({ monthsSince: z.number().int(), buyers: z.number().int(), share: z.number() })),
    }),
  ),
});

report(
  "/v1/analytics/cohorts",
  {
    summary:
      "Monthly cohorts: members by first-order month (last N months) × months since, with the share of each cohort that ordered",
    query: CohortsQuery,
    answer: "Cohorts, oldest first",
    schema: CohortsSchema,
  },
  (db, merchantId, now, q, storeId) => cohorts(db, merchantId, now, q.months, storeId),
);

export const analyticsRoutes = api.app;
