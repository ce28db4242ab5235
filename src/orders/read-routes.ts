/** HTTP: read one order and why it earned what it earned (GET /v1/orders/{externalId}). */
import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { OrderView, readOrder } from "./read.ts";

export const orderReadRoutes = new Hono<AppEnv>();

doc({
  method: "get",
  path: "/v1/orders/{externalId}",
  tag: "Orders",
  summary: "An order with its lines, points breakdown, offer bonuses, refunds and ledger entries",
  description:
    'Answers "why N points?": the breakdown (base, per-line category/product multipliers, tier, subscription, bonus events, cashback) is the one stored with the earn entry when the order was placed, not recomputed with today\'s program. points.earned − points.reversed = points.net = Σ entries.',
  responses: { 200: { description: "The order", schema: OrderView }, 404: { description: "order-not-found" } },
});
orderReadRoutes.get("/orders/:externalId", async (c) =>
  c.json(await readOrder(c.get("db"), c.get("merchantId"), c.req.param("externalId"))),
);
