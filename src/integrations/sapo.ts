/**
 * Sapo: Sapo Web (`{store}.mysapo.net`, a Shopify clone ◐: line_items[]) and Sapo GO / POS (`{store}.mysapogo.com`
 * ◐: order_line_items[], customer_data, order_returns[]). Which one is told by the payload's shape.
 */
import { arr, type Json, obj, str } from "./json.ts";
import {
  type Action,
  type CanonicalLine,
  capDiscount,
  currencyExponent,
  dateTime,
  lineSku,
  type MapOptions,
  type Mapped,
  money,
  quantity,
  Unusable,
  withOrderDiscount,
} from "./mapping.ts";
import { financialRefunds, orderTopic, shopifyShapedOrder } from "./shopify.ts";

const SKU_KEYS = ["sku", "variant_sku", "product_code", "variant_id", "product_id", "id"];

export function mapSapo(topic: string, body: unknown, opts: MapOptions): Mapped {
  const start = orderTopic(topic, body);
  if ("actions" in start) return start;
  const { o, verb, id } = start;
  const isGo = Array.isArray(o.order_line_items);
  const status = str(o.status)?.toLowerCase();
  if (verb === "cancelled" || (isGo && status === "cancelled"))
    return { topic, objectId: id, actions: [{ kind: "cancel", orderId: id }] };
  const actions: Action[] = [];
  if (isGo) {
    actions.push({ kind: "order", order: sapoGoOrder(id, o) });
    actions.push(...goReturns(id, arr(o.order_returns)));
  } else {
    const channel = str(o.source_name)?.toLowerCase() === "pos" ? "pos" : "online";
    actions.push({ kind: "order", order: shopifyShapedOrder(o, opts, channel) });
    if (str(o.cancelled_at)) actions.push({ kind: "cancel", orderId: id });
    else actions.push(...financialRefunds(id, o));
  }
  return { topic, objectId: id, actions };
}

function sapoGoOrder(id: string, o: Json) {
  const exp = currencyExponent(str(o.currency) ?? "VND");
  const items = arr(o.order_line_items);
  if (items.length === 0) throw new Unusable("order_line_items: no lines");
  const lines: CanonicalLine[] = items.map((raw, i) => {
    const li = obj(raw) ?? {};
    const sku = lineSku(li, ...SKU_KEYS);
    if (!sku) throw new Unusable(`order_line_items.${i}: no sku, variant or product id`);
    const q = quantity(li.quantity, `order_line_items.${i}.quantity`);
    const discount = money(li.discount_amount ?? li.line_discount_amount, exp, `order_line_items.${i}.discount_amount`);
    return {
      sku,
      name: str(li.product_name ?? li.variant_name)?.slice(0, 300),
      quantity: q,
      unitPrice: money(li.price, exp, `order_line_items.${i}.price`, false),
      discount,
    };
  });
  const lineDiscounts = lines.reduce((s, l) => s + l.discount, 0);
  const orderLevel = money(o.total_discount ?? o.order_discount_amount, exp, "total_discount") - lineDiscounts;
  const customer = obj(o.customer_data) ?? obj(o.customer);
  return {
    id,
    placedAt: dateTime(o.created_on ?? o.issued_on ?? o.created_at),
    channel: "pos" as const,
    lines: (orderLevel > 0 ? withOrderDiscount(lines, orderLevel) : lines).map(capDiscount),
    phone: str(customer?.phone_number) ?? str(customer?.phone) ?? str(o.phone_number),
    email: str(customer?.email) ?? str(o.email),
    location: str(o.location_id),
  };
}

/** order_returns[] ✖: each return's lines (any of the line keys we know) by SKU; a return without lines is ignored. */
function goReturns(orderId: string, returns: unknown[]): Action[] {
  return returns.flatMap((raw, r): Action[] => {
    const ret = obj(raw);
    const refundId = ret && (str(ret.id) ?? str(ret.code));
    if (!ret || !refundId) return [];
    const lines = [ret.line_items, ret.return_line_items, ret.order_line_items].find(Array.isArray) ?? [];
    const items = lines.map((x, i) => {
      const li = obj(x) ?? {};
      const sku = lineSku(li, ...SKU_KEYS);
      if (!sku) throw new Unusable(`order_returns.${r}.line_items.${i}: no sku`);
      return { sku, quantity: quantity(li.quantity, `order_returns.${r}.line_items.${i}.quantity`) };
    });
    if (items.length === 0) return [{ kind: "ignore", reason: `return ${refundId} lists no lines` }];
    return [{ kind: "refund", orderId, refundId, items }];
  });
}
