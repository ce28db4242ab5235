/**
 * KiotViet: envelope {Id, Attempt, Notifications:[{Action, Data:[…]}]} ✔. invoice.update with Status 1
 * (completed) → an order, Status 2 (cancelled) → a full refund, other statuses → ignored. The webhook carries no
 * phone, so with API credentials the invoice and its customer are re-read from the public API before earning
 * (the API's copy is the one trusted). Returns have no webhook: returns.ts polls them.
 */
import { arr, type Json, obj } from "./json.ts";
import {
  type Action,
  type CanonicalLine,
  type CanonicalOrder,
  capDiscount,
  dateTime,
  type Mapped,
  money,
  pick,
  pickArr,
  pickStr,
  quantity,
  Unusable,
  withOrderDiscount,
} from "./mapping.ts";

/** What the mapping reads through the KiotViet API (kiotviet-api.ts; absent without credentials). */
export interface KiotVietReader {
  invoice(id: string): Promise<Json>;
  customer(id: string): Promise<Json>;
}

export async function mapKiotViet(body: unknown, api: KiotVietReader | undefined): Promise<Mapped> {
  const env = obj(body);
  if (!env) throw new Unusable("body: not a JSON object");
  const notifications = pickArr(env, "Notifications");
  if (notifications.length === 0) throw new Unusable("Notifications: none");
  const topics = new Set<string>();
  const actions: Action[] = [];
  let objectId: string | undefined;
  for (const raw of notifications) {
    const n = obj(raw);
    const action = (pickStr(n, "Action") ?? "").toLowerCase();
    topics.add(action || "unknown");
    if (!action.startsWith("invoice")) {
      actions.push({
        kind: "ignore",
        reason: `${action || "notification"} is not handled (points come from invoices)`,
      });
      continue;
    }
    for (const d of pickArr(n, "Data")) {
      const inv = obj(d);
      const id = pickStr(inv, "Id");
      if (!inv || !id) throw new Unusable("Notifications.Data: invoice without Id");
      objectId ??= id;
      actions.push(...(await invoiceActions(id, inv, api)));
    }
  }
  return { topic: [...topics].join(","), objectId, actions };
}

async function invoiceActions(id: string, hooked: Json, api: KiotVietReader | undefined): Promise<Action[]> {
  const status = pickStr(hooked, "Status");
  if (status === "2") return [{ kind: "cancel", orderId: id }];
  if (status !== "1") return [{ kind: "ignore", reason: `invoice ${id} status ${status ?? "?"} (not completed)` }];
  // The API's copy is trusted over the webhook's (its signature encoding is unconfirmed); it may also be newer.
  let inv = hooked;
  let customer: Json | undefined;
  if (api) {
    inv = await api.invoice(id);
    const s = pickStr(inv, "status");
    if (s === "2") return [{ kind: "cancel", orderId: id }];
    if (s !== undefined && s !== "1") return [{ kind: "ignore", reason: `invoice ${id} status ${s} (not completed)` }];
    const customerId = pickStr(inv, "customerId");
    if (customerId) customer = await api.customer(customerId);
  }
  return [{ kind: "order", order: kiotVietOrder(id, inv, customer) }];
}

export function kiotVietOrder(id: string, inv: Json, customer: Json | undefined): CanonicalOrder {
  const details = pickArr(inv, "InvoiceDetails");
  if (details.length === 0) throw new Unusable("InvoiceDetails: no lines");
  const lines: CanonicalLine[] = details.map((raw, i) => {
    const d = obj(raw) ?? {};
    const sku = (pickStr(d, "ProductCode") ?? pickStr(d, "ProductId"))?.slice(0, 100);
    if (!sku) throw new Unusable(`InvoiceDetails.${i}: no ProductCode or ProductId`);
    const q = quantity(pick(d, "Quantity"), `InvoiceDetails.${i}.Quantity`);
    return {
      sku,
      name: pickStr(d, "ProductName")?.slice(0, 300),
      quantity: q,
      unitPrice: money(pick(d, "Price"), 0, `InvoiceDetails.${i}.Price`, false),
      // Discount is per unit (Price − Discount = the unit's selling price) ◐.
      discount: q * money(pick(d, "Discount"), 0, `InvoiceDetails.${i}.Discount`),
    };
  });
  const orderLevel = money(pick(inv, "Discount"), 0, "Discount");
  return {
    id,
    placedAt: dateTime(pick(inv, "PurchaseDate") ?? pick(inv, "CreatedDate")),
    channel: "pos",
    lines: withOrderDiscount(lines, orderLevel).map(capDiscount),
    // Only the customer's own number: the delivery receiver's (InvoiceDelivery.ContactNumber) may be someone else.
    phone: pickStr(customer, "contactNumber"),
    email: pickStr(customer, "email"),
    location: pickStr(inv, "BranchId"),
  };
}

/** The header a polled return is stored with, so a replay maps it as a return, not as a webhook envelope. */
export const RETURN_KIND_HEADER = "x-chatloyalty-kind";

/** A KiotViet return (GET /returns) as a refund of its lines, by the same SKU rule as invoices. */
export function returnAction(ret: Json): Action {
  const id = pickStr(ret, "id");
  const invoiceId = pickStr(ret, "invoiceId");
  if (!id || !invoiceId) return { kind: "ignore", reason: `return ${id ?? "?"} has no invoice` };
  const items = arr(pick(ret, "returnDetails")).map((raw, i) => {
    const d = obj(raw) ?? {};
    const sku = (pickStr(d, "productCode") ?? pickStr(d, "productId"))?.slice(0, 100);
    if (!sku) throw new Unusable(`returnDetails.${i}: no productCode`);
    return { sku, quantity: quantity(pick(d, "quantity"), `returnDetails.${i}.quantity`) };
  });
  if (items.length === 0) return { kind: "ignore", reason: `return ${id} lists no lines` };
  return { kind: "refund", orderId: invoiceId, refundId: id, items };
}
