/** /v1/integrations (connections, delivery log, replay) and the public receivers /hooks/{platform}/{id}. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { notFound, Problem, problemResponse } from "../http/problem.ts";
import { apiGroup, created, listOf, noContent, ok } from "../http/route.ts";
import { secretEquals } from "../lib/crypto.ts";
import {
  connectionForHook,
  connectionSecret,
  createConnection,
  CreateIntegrationSchema,
  deleteConnection,
  DeliveryView,
  IntegrationView,
  listConnections,
  listDeliveries,
  receiveDelivery,
  replayDelivery,
  ReplaySchema,
} from "./service.ts";
import { pollKiotVietReturns, PollResult } from "./returns.ts";
import { sendTestEvent } from "./test-event.ts";
import { pageLimit } from "../lib/schemas/fields.ts";

const api = apiGroup("Integrations");
const NO_INTEGRATION = { 404: "integration-not-found" };

api.post(
  "/v1/integrations",
  {
    summary: "Connect a shop system (Shopify, Haravan, Sapo, KiotViet, Nhanh.vn)",
    description:
      "Returns the webhook URL to paste into the platform (absolute when PUBLIC_URL is set). The secret (and KiotViet credentials) are stored sealed under SECRETS_KEY and never returned. A second connection of one platform needs `shop`. Orders are written as `{platform}:{order id}`, or `{platform}:{shop}:{order id}` while the merchant has more than one live connection of the platform (decided per delivery, for every connection with a shop; an order written under the other form is still found, never earned twice).",
    body: CreateIntegrationSchema,
    responses: created("The connection", IntegrationView, { 409: "integration-exists (same platform and shop)" }),
  },
  ({ db, deps, merchantId, body: input }) => createConnection(db, deps, merchantId, input),
);

api.get(
  "/v1/integrations",
  {
    summary: "The merchant's connections (no secrets)",
    responses: ok("Connections", listOf("integrations", IntegrationView)),
  },
  async ({ db, deps, merchantId }) => ({ integrations: await listConnections(db, deps, merchantId) }),
);

api.delete(
  "/v1/integrations/{id}",
  {
    summary: "Disconnect: later deliveries to its webhook URL answer 404 (the delivery log stays)",
    responses: noContent("Deleted", NO_INTEGRATION),
  },
  async ({ c, db, deps, merchantId, param }) => {
    await deleteConnection(db, deps, merchantId, param("id"));
    return c.body(null, 204);
  },
);

const DeliveriesQuery = z.object({ limit: pageLimit(500) });

api.get(
  "/v1/integrations/{id}/deliveries",
  {
    summary: "The last deliveries, newest first: topic, platform object id, outcome and the order written",
    description:
      "outcome: applied, duplicate (the platform object was already applied), ignored (with a reason), rejected-signature, failed (with a reason; replayable).",
    query: DeliveriesQuery,
    responses: ok("Deliveries", listOf("deliveries", DeliveryView), NO_INTEGRATION),
  },
  async ({ db, merchantId, param, query: q }) => ({
    deliveries: await listDeliveries(db, merchantId, param("id"), q.limit),
  }),
);

api.post(
  "/v1/integrations/{id}/deliveries/{deliveryId}/replay",
  {
    summary: "Re-apply a failed delivery (its stored body, or a corrected `body`)",
    description:
      "Idempotent like the first delivery: an order or refund already applied is not applied twice. Only `failed` deliveries replay.",
    body: ReplaySchema,
    responses: ok("The delivery with its new outcome", DeliveryView, {
      404: "integration-not-found or delivery-not-found",
      409: "delivery-not-failed",
    }),
  },
  ({ db, deps, merchantId, param, body: input }) =>
    replayDelivery(db, deps, merchantId, param("id"), param("deliveryId"), input.body),
);

api.post(
  "/v1/integrations/{id}/test",
  {
    summary: "Send a signed test event through the connection's receiver (recorded as ignored; no points)",
    responses: ok("The test delivery", z.object({ outcome: z.string(), deliveryId: z.string() }), NO_INTEGRATION),
  },
  ({ db, deps, merchantId, param }) => sendTestEvent(db, deps, merchantId, param("id")),
);

api.post(
  "/v1/integrations/{id}/poll",
  {
    summary: "KiotViet: poll returns now (the scheduled job does it every 15 minutes)",
    description: "Reads GET /returns?lastModifiedFrom=<cursor> and refunds each return's lines once.",
    responses: ok("What the poll applied", PollResult, {
      ...NO_INTEGRATION,
      409: "not-pollable (not KiotViet, or no credentials)",
    }),
  },
  ({ db, deps, merchantId, param }) => pollKiotVietReturns(db, deps, merchantId, param("id")),
);

/** The receivers: no API key; each platform's signature on the raw body authenticates the delivery. */
export const hookRoutes = new Hono<AppEnv>();

const HOOK_HELP =
  "Signature on the raw body, constant-time: Shopify X-Shopify-Hmac-Sha256, Haravan X-Haravan-Hmacsha256, Sapo X-Sapo-Hmac-Sha256 (base64 HMAC-SHA256); KiotViet X-Hub-Signature (hex or base64, optional sha256=); Nhanh.vn the body's webhooksVerifyToken. Wrong or missing → 401 (problem+json), nothing applied; unknown or deleted connection → 404 (problem+json). Anything validly signed → 200 within 5 s, even when unusable or when applying it fails (recorded as failed, replayable).";

doc({
  method: "post",
  path: "/hooks/{platform}/{id}",
  tag: "Integrations",
  summary: "A shop system's webhook delivery (orders, cancellations, refunds)",
  description: HOOK_HELP,
  auth: false,
  rawBody: { contentType: "application/json", description: "The platform's payload, as it sends it" },
  responses: {
    200: { description: "Accepted (see the delivery log for the outcome)" },
    401: { description: "Signature missing or wrong (problem+json, signature-invalid)" },
    404: { description: "No such connection, or deleted (problem+json, integration-not-found)" },
  },
});
/** The receivers' errors are problem+json like the rest of the API (only these two: all else answers 200). */
const noConnection = () => problemResponse(notFound("Integration", "integration-not-found"));
const unauthorized = (slug: string, detail: string) => problemResponse(new Problem(401, slug, "Unauthorized", detail));

hookRoutes.post("/hooks/:platform/:id", async (c) => {
  const raw = new Uint8Array(await c.req.arrayBuffer());
  const r = await receiveDelivery(c.get("db"), c.get("deps"), c.req.param("platform"), c.req.param("id"), raw, (n) =>
    c.req.header(n),
  );
  if (r.status === 404) return noConnection();
  if (r.status === 401) return unauthorized("signature-invalid", "The platform's signature is missing or wrong");
  return c.json(r.body, r.status);
});

doc({
  method: "get",
  path: "/hooks/{platform}/{id}",
  tag: "Integrations",
  summary: "Haravan's subscription handshake: echoes hub.challenge when hub.verify_token is the secret",
  auth: false,
  query: z.object({ "hub.mode": z.string(), "hub.verify_token": z.string(), "hub.challenge": z.string() }),
  responses: {
    200: { description: "The challenge, as text" },
    401: { description: "Wrong verify token (problem+json, verify-token-invalid)" },
    404: { description: "No such Haravan connection (problem+json, integration-not-found)" },
  },
});
hookRoutes.get("/hooks/:platform/:id", async (c) => {
  const conn = await connectionForHook(c.get("db"), c.req.param("platform"), c.req.param("id"));
  if (conn?.platform !== "haravan") return noConnection();
  const token = c.req.query("hub.verify_token") ?? "";
  const ok =
    c.req.query("hub.mode") === "subscribe" && (await secretEquals(token, await connectionSecret(c.get("deps"), conn)));
  if (!ok) return unauthorized("verify-token-invalid", "hub.verify_token is not the connection's secret");
  return c.text(c.req.query("hub.challenge") ?? "", 200);
});

export const integrationRoutes = api.app;
