import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseQuery } from "../http/validate.ts";
import { summary } from "./service.ts";

export const analyticsRoutes = new Hono<AppEnv>();

const SummaryQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) });

const SummarySchema = z.object({
  window: z.object({ days: z.number().int(), from: z.string(), to: z.string(), timezone: z.string() }),
  members: z.object({
    total: z.number().int(),
    new: z.number().int(),
    active: z.number().int(),
    linkedChat: z.number().int(),
    optedIn: z.number().int(),
  }),
  orders: z.object({
    count: z.number().int(),
    revenue: z.number().int(),
    averageOrderValue: z.number().int(),
    memberShare: z.number(),
    byChannel: z.array(z.object({ channel: z.string(), orders: z.number().int(), revenue: z.number().int() })),
  }),
  points: z.object({
    issued: z.number().int(),
    redeemed: z.number().int(),
    expired: z.number().int(),
    outstanding: z.number().int(),
    redemptionRate: z.number(),
  }),
  repeatPurchaseRate: z.number(),
  tiers: z.array(z.object({ name: z.string(), members: z.number().int() })),
  topRewards: z.array(
    z.object({ id: z.string(), name: z.string(), redemptions: z.number().int(), points: z.number().int() }),
  ),
  daily: z.array(
    z.object({
      day: z.string(),
      orders: z.number().int(),
      revenue: z.number().int(),
      pointsIssued: z.number().int(),
      pointsRedeemed: z.number().int(),
      pointsExpired: z.number().int(),
      newMembers: z.number().int(),
    }),
  ),
});

doc({
  method: "get",
  path: "/v1/analytics/summary",
  tag: "Analytics",
  summary:
    "Program KPIs over the last N days (members, orders, points issued/redeemed/expired, tiers, top rewards, daily series)",
  query: SummaryQuery,
  responses: { 200: { description: "KPIs", schema: SummarySchema } },
});
analyticsRoutes.get("/analytics/summary", async (c) => {
  const q = parseQuery(c, SummaryQuery);
  return c.json(await summary(c.get("db"), c.get("merchantId"), c.get("deps").clock.now(), q.days));
});
