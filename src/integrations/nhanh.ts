/**
 * Nhanh.vn: envelope {event, businessId, webhooksVerifyToken, data} ✔. orderAdd → an order; orderUpdate →
 * the order (first time) or a cancellation/return by its status ◐; orderDelete → cancellation (v3: data is an id
 * array ✔). Line fields (id/code/price/quantity/discount) ◐: discount is taken per unit.
 */
import { arr, type Json, obj, str } from "./json.ts";
import {
  type Action,
  type CanonicalLine,
  capDiscount,
  dateTime,
  lineSku,
  type Mapped,
  money,
  pick,
  quantity,
  topicVerb,
  Unusable,
  withOrderDiscount,
} from "./mapping.ts";

const CANCELLED = new Set(["canceled", "cancelled", "aborted", "carriercanceled", "customercanceled"]);
const RETURNED = new Set(["returned", "returning"]);

export const nhanhToken = (body: unknown) => str(obj(body)?.webhooksVerifyToken);

export function mapNhanh(body: unknown): Mapped {
  const env = obj(body);
  if (!env) throw new Unusable("body: not a JSON object");
  const topic = str(env.event) ?? "unknown";
  const verb = topicVerb(topic);
  if (verb === "cancelled") {
    // orderDelete: v3 sends an array of ids, v2 an object with orderId (or an id list in it).
    const data = env.data;
    const ids = Array.isArray(data)
      ? data.map(str)
      : [str(obj(data)?.orderId) ?? str(obj(data)?.id), ...arr(obj(data)?.orderIds).map(str)];
    const actions = ids.filter((x): x is string => !!x).map((orderId): Action => ({ kind: "cancel", orderId }));
    if (actions.length === 0) throw new Unusable("data: no order id");
    return { topic, objectId: ids.find(Boolean), actions };
  }
  if (verb !== "create" && verb !== "updated")
    return { topic, actions: [{ kind: "ignore", reason: `event ${topic} is not handled` }] };
  const data = obj(env.data);
  const o = obj(data?.info) ?? data; // v3 nests the order under info
  if (!o) throw new Unusable("data: missing order");
  const id = str(o.orderId) ?? str(o.id);
  if (!id) throw new Unusable("data.orderId: missing order id");
  const status = str(o.status)
    ?.toLowerCase()
    .replace(/[\s_-]/g, "");
  if (verb === "updated" && status && CANCELLED.has(status))
    return { topic, objectId: id, actions: [{ kind: "cancel", orderId: id }] };
  const actions: Action[] = [{ kind: "order", order: nhanhOrder(id, o, data ?? o) }];
  if (verb === "updated" && status && RETURNED.has(status))
    actions.push({ kind: "refund", orderId: id, refundId: "returned" });
  return { topic, objectId: id, actions };
}

function nhanhOrder(id: string, o: Json, data: Json) {
  const products = arr(pick(o, "products") ?? pick(data, "products"));
  if (products.length === 0) throw new Unusable("data.products: no lines");
  const lines: CanonicalLine[] = products.map((raw, i) => {
    const p = obj(raw) ?? {};
    const sku = lineSku(p, "code", "productCode", "barcode", "productId", "id");
    if (!sku) throw new Unusable(`data.products.${i}: no code or id`);
    const q = quantity(p.quantity, `data.products.${i}.quantity`);
    return {
      sku,
      name: str(p.name ?? p.productName)?.slice(0, 300),
      quantity: q,
      unitPrice: money(p.price, 0, `data.products.${i}.price`, false),
      discount: q * money(p.discount, 0, `data.products.${i}.discount`),
    };
  });
  const customer = obj(o.customer);
  const orderLevel = money(o.moneyDiscount, 0, "data.moneyDiscount");
  return {
    id,
    placedAt: dateTime(o.createdDateTime ?? o.createdAt),
    channel: "online" as const,
    lines: withOrderDiscount(lines, orderLevel).map(capDiscount),
    phone: str(o.customerMobile) ?? str(customer?.mobile),
    email: str(o.customerEmail) ?? str(customer?.email),
  };
}
