/**
 * Shopify order webhooks (also the shape Haravan and Sapo Web copy): orders/create|paid|updated → an order,
 * orders/cancelled → a full refund, refunds/create → a refund of the refunded lines (or of the amount refunded).
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

/**
 * The refunds an order payload lists (Haravan/Sapo put them on the order), each as a refund of its lines or amount;
 * the order's own `line_items` tell the SKU of each refund line's `line_item_id`.
 */
export function refundsOf(orderId: string, refunds: unknown[], order?: Json): Action[] {
  return refunds.flatMap((r): Action[] => {
    const refund = obj(r);
    const refundId = refund && str(refund.id);
    if (!refund || !refundId) return [];
    return [refundAction(orderId, refundId, refund, order)];
  });
}

/**
 * Haravan and Sapo Web tell refunds on the order: the `refunds[]` it lists; else `financial_status` `refunded` → the
 * whole order, `partially_refunded` (nothing listed) → ignored with a reason.
 */
export function financialRefunds(orderId: string, o: Json): Action[] {
  const listed = refundsOf(orderId, arr(o.refunds), o);
  if (listed.length > 0) return listed;
  const financial = str(o.financial_status)?.toLowerCase();
  if (financial === "refunded") return [{ kind: "refund", orderId, refundId: "refunded" }];
  if (financial === "partially_refunded")
    return [{ kind: "ignore", reason: "partially_refunded without refund lines or amount: not reversed" }];
  return [];
}

/** The refund's currency (its transactions', else its lines' shop money), for the exponent of its amounts. */
function refundCurrency(refund: Json): string | undefined {
  for (const t of arr(refund.transactions)) {
    const c = str(obj(t)?.currency);
    if (c) return c;
  }
  for (const l of arr(refund.refund_line_items)) {
    const c = str(obj(obj(obj(l)?.subtotal_set)?.shop_money)?.currency_code);
    if (c) return c;
  }
  return str(refund.currency);
}

/** Σ of the refund's successful `refund` transactions (a pending, failed or errored one refunds nothing). */
function transactionsAmount(refund: Json, exp: number): number {
  return arr(refund.transactions).reduce<number>((sum, raw, i) => {
    const t = obj(raw);
    const status = str(t?.status)?.toLowerCase();
    if (!t || str(t.kind)?.toLowerCase() !== "refund" || (status !== undefined && status !== "success")) return sum;
    return sum + money(t.amount, exp, `transactions.${i}.amount`, false);
  }, 0);
}

/**
 * refunds/create (and each of an order's `refunds[]`): the refunded lines by the order's SKU rule. Shopify names a
 * refund line by its order line (`line_item_id`), with the order line itself (`line_item`) not always included ◐:
 * the order's `line_items` (the payload it was written from, `order`) tell that line's SKU, else the nested
 * `line_item`. When a line cannot be told, the refund is an amount: its lines' `subtotal` (tax not included). No
 * refund lines → the amount of its `refund` transactions (a goodwill or amount-only refund); none → ignored.
 */
export function refundAction(orderId: string, refundId: string, refund: Json, order?: Json): Action {
  const exp = currencyExponent(refundCurrency(refund) ?? str(order?.currency));
  const lines = arr(refund.refund_line_items).map((raw) => obj(raw) ?? {});
  if (lines.length === 0) {
    const amount = transactionsAmount(refund, exp);
    if (amount === 0) return { kind: "ignore", reason: `refund ${refundId} lists no lines and no refunded amount` };
    return { kind: "refund", orderId, refundId, amount, note: "amount refund (no refund lines)" };
  }
  const skuById = new Map<string, string>();
  for (const raw of arr(order?.line_items)) {
    const li = obj(raw);
    const id = li && str(li.id);
    const sku = li && shopifySku(li);
    if (id && sku) skuById.set(id, sku);
  }
  let unknown = false;
  const items = lines.map((rli, i) => {
    const nested = obj(rli.line_item);
    const lineId = str(rli.line_item_id) ?? (nested && str(nested.id));
    const sku = (lineId ? skuById.get(lineId) : undefined) ?? (nested ? shopifySku(nested) : undefined);
    if (!sku) unknown = true;
    return { sku: sku ?? "", quantity: quantity(rli.quantity, `refund_line_items.${i}.quantity`) };
  });
  if (!unknown) return { kind: "refund", orderId, refundId, items };
  const amount = lines.reduce<number>(
    (sum, rli, i) => sum + money(rli.subtotal, exp, `refund_line_items.${i}.subtotal`, false),
    0,
  );
  if (amount === 0) return { kind: "ignore", reason: `refund ${refundId}: order lines unknown and no subtotal` };
  return {
    kind: "refund",
    orderId,
    refundId,
    amount,
    note: "the refunded order lines are unknown (order payload not stored): reversed by the lines' subtotal",
  };
}

/** `order`: for refunds/create, the stored payload of the refunded order (its `line_items` tell the lines' SKUs). */
export function mapShopify(topic: string, body: unknown, opts: MapOptions, order?: Json): Mapped {
  const o = obj(body);
  if (!o) throw new Unusable("body: not a JSON object");
  const verb = topicVerb(topic);
  if (verb === "refund") {
    const orderId = str(o.order_id);
    const refundId = str(o.id);
    if (!orderId || !refundId) throw new Unusable("order_id: missing order or refund id");
    return { topic, objectId: refundId, actions: [refundAction(orderId, refundId, o, order)] };
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
