import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseBody } from "../http/validate.ts";
import { CreateOrderSchema, OrderResult, RefundResult, RefundSchema } from "./schemas.ts";
import { createOrder, createRefund } from "./service.ts";
import { OrderView, readOrder } from "./read.ts";

export const orderRoutes = new Hono<AppEnv>();

doc({
  method: "post",
  path: "/v1/orders",
  tag: "Orders",
  summary: "Ingest a POS or online order and earn points",
  description:
    "Idempotent by externalId (unique per merchant): a replay with a JSON-equal body returns the first response; another body under the same externalId → 409 idempotency-conflict. Earned points = floor(Σ (quantity×unitPrice − discount) × category/product multiplier × tier multiplier × earn.points / earn.spend), in exact rational arithmetic; bonus events add a separate `bonus` entry (included in pointsEarned).",
  body: CreateOrderSchema,
  responses: {
    201: { description: "The order and its points", schema: OrderResult },
    404: { description: "member-not-found" },
    409: { description: "idempotency-conflict" },
  },
});
orderRoutes.post("/orders", async (c) => {
  const input = await parseBody(c, CreateOrderSchema);
  const deps = c.get("deps");
  const r = await createOrder(c.get("db"), c.get("merchantId"), input, deps.clock.now(), deps.orderHooks);
  return c.json(r.body, r.status as 201);
});

doc({
  method: "post",
  path: "/v1/orders/{externalId}/refunds",
  tag: "Orders",
  summary: "Refund an order in full (no items) or in part; reverses points pro rata, floored toward the member",
  body: RefundSchema,
  responses: {
    201: { description: "The refund", schema: RefundResult },
    404: { description: "order-not-found" },
    409: { description: "refund-exceeds-order or idempotency-conflict" },
  },
});
orderRoutes.post("/orders/:externalId/refunds", async (c) => {
  const input = await parseBody(c, RefundSchema);
  const deps = c.get("deps");
  const r = await createRefund(
    c.get("db"),
    c.get("merchantId"),
    c.req.param("externalId"),
    input,
    deps.clock.now(),
    deps.orderHooks,
  );
  return c.json(r.body, r.status as 201);
});

doc({
  method: "get",
  path: "/v1/orders/{externalId}",
  tag: "Orders",
  summary: "An order with its lines, points breakdown, offer bonuses, refunds and ledger entries",
  description:
    'Answers "why N points?": the breakdown (base, per-line category/product multipliers, tier, subscription, bonus events, cashback) is the one stored with the earn entry when the order was placed, not recomputed with today\'s program. points.earned − points.reversed = points.net = Σ entries.',
  responses: { 200: { description: "The order", schema: OrderView }, 404: { description: "order-not-found" } },
});
orderRoutes.get("/orders/:externalId", async (c) =>
  c.json(await readOrder(c.get("db"), c.get("merchantId"), c.req.param("externalId"))),
);
