/**
 * Shopify order webhooks (also the shape Haravan and Sapo Web copy): orders/create|paid|updated → an order,
 * orders/cancelled → a full refund, refunds/create → a refund of the refunded lines.
 */
import { arr, type Json, obj, str } from "./json.ts";
import {
  type Action,
  type CanonicalLine,
  type CanonicalOrder,
  capDiscount,
  currencyExponent,
  dateTime,
  type MapOptions,
  type Mapped,
  money,
  quantity,
  topicVerb,
  Unusable,
  withOrderDiscount,
} from "./mapping.ts";

/** An ignored delivery of a topic no mapping acts on. */
export const ignoredTopic = (topic: string, objectId?: string): Mapped => ({
  topic,
  objectId,
  actions: [{ kind: "ignore", reason: `topic ${topic} is not handled` }],
});

/**
 * The common start of the Shopify-shaped mappings (Haravan, Sapo): the object, the topic's verb and the order id;
 * another topic → an ignored delivery.
 */
export function orderTopic(
  topic: string,
  body: unknown,
): Mapped | { o: Json; verb: ReturnType<typeof topicVerb>; id: string } {
  const o = obj(body);
  if (!o) throw new Unusable("body: not a JSON object");
  const verb = topicVerb(topic);
  const id = orderIdOf(o);
  if (verb === "other") return ignoredTopic(topic, id);
  if (!id) throw new Unusable("id: missing order id");
  return { o, verb, id };
}

/** The order id exactly as sent (kept as source text), else the tail of its GraphQL id. */
export function orderIdOf(o: Json): string | undefined {
  const id = str(o.id);
  if (id) return id;
  return str(o.admin_graphql_api_id)?.split("/").pop();
}

export const shopifySku = (li: Json) =>
  (str(li.sku) ?? str(li.variant_id) ?? str(li.product_id) ?? str(li.id))?.slice(0, 100);

/** A Shopify-shaped order (Shopify, Haravan, Sapo Web) in the canonical shape. */
export function shopifyShapedOrder(o: Json, opts: MapOptions, channel: "online" | "pos"): CanonicalOrder {
  const id = orderIdOf(o);
  if (!id) throw new Unusable("id: missing order id");
  const exp = currencyExponent(str(o.currency));
  const items = arr(o.line_items);
  if (items.length === 0) throw new Unusable("line_items: no lines");
  // discount_allocations (current API) already hold every line's share of order-level discounts; older payloads
  // carry only total_discount per line, and the rest of total_discounts is spread over the lines here.
  const allocated = items.some((li) => arr(obj(li)?.discount_allocations).length > 0);
  let lineDiscounts = 0;
  let lines: CanonicalLine[] = items.map((raw, i) => {
    const li = obj(raw) ?? {};
    const sku = shopifySku(li);
    if (!sku) throw new Unusable(`line_items.${i}: no sku, variant, product or line id`);
    const q = quantity(li.quantity, `line_items.${i}.quantity`);
    const unitPrice = money(li.price, exp, `line_items.${i}.price`, false);
    let discount = allocated
      ? arr(li.discount_allocations).reduce<number>(
          (s, d, j) => s + money(obj(d)?.amount, exp, `line_items.${i}.discount_allocations.${j}.amount`),
          0,
        )
      : money(li.total_discount, exp, `line_items.${i}.total_discount`);
    lineDiscounts += discount;
    // Tax "exclude": prices that include tax earn on the price without it (tax_lines[].price of the line).
    if (opts.tax === "exclude" && o.taxes_included === true)
      discount += arr(li.tax_lines).reduce<number>(
        (s, t, j) => s + money(obj(t)?.price, exp, `line_items.${i}.tax_lines.${j}.price`),
        0,
      );
    return { sku, name: str(li.name ?? li.title)?.slice(0, 300), quantity: q, unitPrice, discount };
  });
  if (!allocated) {
    const orderLevel = money(o.total_discounts, exp, "total_discounts") - lineDiscounts;
    if (orderLevel > 0) lines = withOrderDiscount(lines, orderLevel);
  }
  const customer = obj(o.customer);
  return {
    id,
    placedAt: dateTime(o.created_at),
    channel,
    lines: lines.map(capDiscount),
    phone:
      str(customer?.phone) ?? str(o.phone) ?? str(obj(o.billing_address)?.phone) ?? str(obj(o.shipping_address)?.phone),
    email: str(o.email) ?? str(customer?.email) ?? str(o.contact_email),
    location: str(o.location_id),
  };
}

/** The refunds an order payload lists (Haravan/Sapo put them on the order), each as a line refund. */
export function refundsOf(orderId: string, refunds: unknown[]): Action[] {
  return refunds.flatMap((r): Action[] => {
    const refund = obj(r);
    const refundId = refund && str(refund.id);
    if (!refund || !refundId) return [];
    return [refundAction(orderId, refundId, refund)];
  });
}

/** refunds/create: the refunded lines by the same SKU rule as the order's lines. */
export function refundAction(orderId: string, refundId: string, refund: Json): Action {
  const items = arr(refund.refund_line_items).map((raw, i) => {
    const rli = obj(raw) ?? {};
    const sku = shopifySku(obj(rli.line_item) ?? {}) ?? str(rli.line_item_id);
    if (!sku) throw new Unusable(`refund_line_items.${i}: no line item`);
    return { sku, quantity: quantity(rli.quantity, `refund_line_items.${i}.quantity`) };
  });
  if (items.length === 0)
    return { kind: "ignore", reason: "refund without lines (an amount only): points are reversed per line only" };
  return { kind: "refund", orderId, refundId, items };
}

export function mapShopify(topic: string, body: unknown, opts: MapOptions): Mapped {
  const o = obj(body);
  if (!o) throw new Unusable("body: not a JSON object");
  const verb = topicVerb(topic);
  if (verb === "refund") {
    const orderId = str(o.order_id);
    const refundId = str(o.id);
    if (!orderId || !refundId) throw new Unusable("order_id: missing order or refund id");
    return { topic, objectId: refundId, actions: [refundAction(orderId, refundId, o)] };
  }
  if (verb === "cancelled") {
    const id = orderIdOf(o);
    if (!id) throw new Unusable("id: missing order id");
    return { topic, objectId: id, actions: [{ kind: "cancel", orderId: id }] };
  }
  if (verb === "create" || verb === "paid" || verb === "updated") {
    const order = shopifyShapedOrder(o, opts, "online");
    const actions: Action[] = [{ kind: "order", order }];
    if (str(o.cancelled_at)) actions.push({ kind: "cancel", orderId: order.id });
    return { topic, objectId: order.id, actions };
  }
  return ignoredTopic(topic, str(o.id));
}
