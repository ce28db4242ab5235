/** `/v1/webhooks`: outbound event endpoints, their delivery log and manual replay (docs/webhooks.md). */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseBody, parseQuery } from "../http/validate.ts";
import { createSecretBox } from "../lib/secret-box.ts";
import { allowPrivateUrls } from "./config.ts";
import { CreatedWebhookView, CreateWebhookSchema, DeliveriesQuery, DeliveryView, WebhookView } from "./schemas.ts";
import {
  createWebhook,
  deleteWebhook,
  deliveryView,
  listDeliveries,
  listWebhooks,
  replayDelivery,
  webhookView,
} from "./service.ts";

export const webhookRoutes = new Hono<AppEnv>();
const TAG = "Outbound events";
const notFound404 = { 404: { description: "webhook-not-found (also another merchant's endpoint)" } };

doc({
  method: "post",
  path: "/v1/webhooks",
  tag: TAG,
  summary: "Register an endpoint for outbound events; the signing secret is in this response only",
  description:
    "Events are POSTed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`). A URL on a private, loopback or link-local address → 400.",
  body: CreateWebhookSchema,
  responses: { 201: { description: "The endpoint and its `whsec_…` secret", schema: CreatedWebhookView } },
});
webhookRoutes.post("/webhooks", async (c) => {
  const input = await parseBody(c, CreateWebhookSchema);
  const { config, clock } = c.get("deps");
  const { endpoint, secret } = await createWebhook(c.get("db"), c.get("merchantId"), input, {
    box: createSecretBox(config.SECRETS_KEY),
    allowPrivate: allowPrivateUrls(config),
    now: clock.now(),
  });
  return c.json({ ...webhookView(endpoint), secret }, 201);
});

doc({
  method: "get",
  path: "/v1/webhooks",
  tag: TAG,
  summary: "The merchant's endpoints (never their secrets)",
  responses: { 200: { description: "Endpoints", schema: z.object({ webhooks: z.array(WebhookView) }) } },
});
webhookRoutes.get("/webhooks", async (c) => {
  const rows = await listWebhooks(c.get("db"), c.get("merchantId"));
  return c.json({ webhooks: rows.map(webhookView) });
});

doc({
  method: "delete",
  path: "/v1/webhooks/{id}",
  tag: TAG,
  summary: "Delete an endpoint: nothing more is sent to it; its pending deliveries are cancelled",
  responses: { 204: { description: "Deleted" }, ...notFound404 },
});
webhookRoutes.delete("/webhooks/:id", async (c) => {
  await deleteWebhook(c.get("db"), c.get("merchantId"), c.req.param("id"), c.get("deps").clock.now());
  return c.body(null, 204);
});

doc({
  method: "get",
  path: "/v1/webhooks/{id}/deliveries",
  tag: TAG,
  summary: "The endpoint's delivery log, newest first: one row per event with its attempts and last outcome",
  query: DeliveriesQuery,
  responses: {
    200: { description: "Deliveries", schema: z.object({ deliveries: z.array(DeliveryView) }) },
    ...notFound404,
  },
});
webhookRoutes.get("/webhooks/:id/deliveries", async (c) => {
  const q = parseQuery(c, DeliveriesQuery);
  const rows = await listDeliveries(c.get("db"), c.get("merchantId"), c.req.param("id"), q);
  return c.json({ deliveries: rows.map(deliveryView) });
});

doc({
  method: "post",
  path: "/v1/webhooks/{id}/deliveries/{deliveryId}/replay",
  tag: TAG,
  summary: "Send a delivery again now (same `webhook-id` and body, a fresh retry schedule)",
  responses: {
    202: { description: "Queued; the delivery as it now stands", schema: DeliveryView },
    404: { description: "webhook-not-found or delivery-not-found" },
  },
});
webhookRoutes.post("/webhooks/:id/deliveries/:deliveryId/replay", async (c) => {
  const row = await replayDelivery(
    c.get("db"),
    c.get("merchantId"),
    c.req.param("id"),
    c.req.param("deliveryId"),
    c.get("deps").clock.now(),
  );
  return c.json(deliveryView(row), 202);
});
