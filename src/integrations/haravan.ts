/**
 * Haravan (Shopify-shaped ◐): orders/create|paid|updated|fulfilled → an order; orders/cancelled → a full refund;
 * refunds arrive as the order's financial_status (refunded → everything; partially_refunded → the `refunds[]`
 * lines or amounts when the payload lists them, else recorded as ignored — unconfirmed, see docs/integrations.md).
 */
import { str } from "./json.ts";
import type { Action, MapOptions, Mapped } from "./mapping.ts";
import { financialRefunds, orderTopic, shopifyShapedOrder } from "./shopify.ts";

export function mapHaravan(topic: string, body: unknown, opts: MapOptions): Mapped {
  const start = orderTopic(topic, body);
  if ("actions" in start) return start;
  const { o, verb, id } = start;
  if (verb === "cancelled") return { topic, objectId: id, actions: [{ kind: "cancel", orderId: id }] };
  const order = shopifyShapedOrder(o, opts, "online");
  const actions: Action[] = [{ kind: "order", order }];
  const financial = str(o.financial_status)?.toLowerCase();
  const cancelled = str(o.cancelled_at) !== undefined || str(o.cancelled_status)?.toLowerCase() === "cancelled";
  if (cancelled || financial === "voided" || financial === "cancelled") actions.push({ kind: "cancel", orderId: id });
  else if (financial === "refunded" || financial === "partially_refunded") actions.push(...financialRefunds(id, o));
  return { topic, objectId: id, actions };
}
