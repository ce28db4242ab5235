import { apiGroup, found, created } from "../http/route.ts";
import { CreateOrderSchema, OrderResult, RefundResult, RefundSchema } from "./schemas.ts";
import { createOrder, createRefund } from "./service.ts";
import { OrderView, readOrder } from "./read.ts";
import { auditStamp } from "../http/audit.ts";

const api = apiGroup("Orders");

api.post(
  "/v1/orders",
  {
    summary: "Ingest a POS or online order and earn points",
    description:
      "Idempotent by externalId (unique per merchant): a replay with a JSON-equal body returns the first response; another body under the same externalId → 409 idempotency-conflict. Earned points = floor(Σ (quantity×unitPrice − discount) × category/product multiplier × tier multiplier × earn.points / earn.spend), in exact rational arithmetic; bonus events add a separate `bonus` entry (included in pointsEarned).",
    body: CreateOrderSchema,
    responses: created("The order and its points", OrderResult, {
      404: "member-not-found",
      409: "idempotency-conflict",
    }),
  },
  async ({ c, db, merchantId, deps, now, body: input }) => {
    // The audit entry goes in with the order (one commit per order, issue 18); replays are audited as before.
    const r = await createOrder(db, merchantId, input, now, deps.orderHooks, auditStamp(c));
    if (r.audited) c.set("audited", true);
    return c.json(r.body, r.status as 201);
  },
);

api.post(
  "/v1/orders/{externalId}/refunds",
  {
    summary: "Refund an order in full (no items) or in part; reverses points pro rata, floored toward the member",
    body: RefundSchema,
    responses: created("The refund", RefundResult, {
      404: "order-not-found",
      409: "refund-exceeds-order or idempotency-conflict",
    }),
  },
  async ({ c, db, merchantId, deps, now, param, body: input }) => {
    const r = await createRefund(db, merchantId, param("externalId"), input, now, deps.orderHooks);
    return c.json(r.body, r.status as 201);
  },
);

api.get(
  "/v1/orders/{externalId}",
  {
    summary: "An order with its lines, points breakdown, offer bonuses, refunds and ledger entries",
    description:
      'Answers "why N points?": the breakdown (base, per-line category/product multipliers, tier, subscription, bonus events, cashback) is the one stored with the earn entry when the order was placed, not recomputed with today\'s program. points.earned − points.reversed = points.net = Σ entries.',
    responses: found("The order", OrderView, "order-not-found"),
  },
  ({ db, merchantId, param }) => readOrder(db, merchantId, param("externalId")),
);

export const orderRoutes = api.app;
