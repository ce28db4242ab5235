/** `/v1/webhooks`: outbound event endpoints, their delivery log and manual replay (docs/webhooks.md). */
import { apiGroup, created, listOf, noContent, ok } from "../http/route.ts";
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

const api = apiGroup("Outbound events");
const NO_WEBHOOK = { 404: "webhook-not-found (also another merchant's endpoint)" };

api.post(
  "/v1/webhooks",
  {
    summary: "Register an endpoint for outbound events; the signing secret is in this response only",
    description:
      "Events are POSTed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`). A URL on a private, loopback or link-local address → 400.",
    body: CreateWebhookSchema,
    responses: created("The endpoint and its `whsec_…` secret", CreatedWebhookView),
  },
  async ({ db, merchantId, deps: { config }, now, body: input }) => {
    const { endpoint, secret } = await createWebhook(db, merchantId, input, {
      box: createSecretBox(config.SECRETS_KEY),
      allowPrivate: allowPrivateUrls(config),
      now,
    });
    return { ...webhookView(endpoint), secret };
  },
);

api.get(
  "/v1/webhooks",
  {
    summary: "The merchant's endpoints (never their secrets)",
    responses: ok("Endpoints", listOf("webhooks", WebhookView)),
  },
  async ({ db, merchantId }) => ({ webhooks: (await listWebhooks(db, merchantId)).map(webhookView) }),
);

api.delete(
  "/v1/webhooks/{id}",
  {
    summary: "Delete an endpoint: nothing more is sent to it; its pending deliveries are cancelled",
    responses: noContent("Deleted", NO_WEBHOOK),
  },
  async ({ c, db, merchantId, now, param }) => {
    await deleteWebhook(db, merchantId, param("id"), now);
    return c.body(null, 204);
  },
);

api.get(
  "/v1/webhooks/{id}/deliveries",
  {
    summary: "The endpoint's delivery log, newest first: one row per event with its attempts and last outcome",
    query: DeliveriesQuery,
    responses: ok("Deliveries", listOf("deliveries", DeliveryView), NO_WEBHOOK),
  },
  async ({ db, merchantId, param, query: q }) => ({
    deliveries: (await listDeliveries(db, merchantId, param("id"), q)).map(deliveryView),
  }),
);

api.post(
  "/v1/webhooks/{id}/deliveries/{deliveryId}/replay",
  {
    summary: "Send a delivery again now (same `webhook-id` and body, a fresh retry schedule)",
    responses: {
      202: { description: "Queued; the delivery as it now stands", schema: DeliveryView },
      404: { description: "webhook-not-found or delivery-not-found" },
    },
  },
  async ({ db, merchantId, now, param }) =>
    deliveryView(await replayDelivery(db, merchantId, param("id"), param("deliveryId"), now)),
);

export const webhookRoutes = api.app;
