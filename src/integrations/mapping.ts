/**
 * What every platform's payload is mapped to before it touches the ledger: orders, cancellations and refunds in
 * one canonical shape, plus the exact-amount helpers the per-platform files share.
 */
import { parseDecimalString } from "../lib/decimal.ts";
import type { TaxMode } from "./tables.ts";
import { arr, type Json, obj, str } from "./json.ts";

export interface CanonicalLine {
  sku: string;
  name?: string | undefined;
  quantity: number;
  /** Integer minor units. */
  unitPrice: number;
  /** Line discount (minor units, the whole line): line discounts plus the line's share of order discounts. */
  discount: number;
}

export interface CanonicalOrder {
  /** The platform's order id, exactly as sent. */
  id: string;
  placedAt?: string | undefined;
  channel: "online" | "pos";
  lines: CanonicalLine[];
  phone?: string | undefined;
  email?: string | undefined;
  /** The platform's location / branch id (Shopify and Sapo `location_id`, KiotViet `BranchId`), as text: the
   *  order's store when the merchant has a store with this code. */
  location?: string | undefined;
}

export type Action =
  | { kind: "order"; order: CanonicalOrder }
  | { kind: "cancel"; orderId: string }
  /**
   * `items` = the refunded lines by SKU; `amount` (minor units) = a refund of an amount only (points reversed pro
   * rata to it); neither = everything still refundable. `note` says how it was read (kept in the delivery log).
   */
  | {
      kind: "refund";
      orderId: string;
      refundId: string;
      items?: { sku: string; quantity: number }[];
      amount?: number;
      note?: string;
    }
  | { kind: "ignore"; reason: string };

export interface Mapped {
  topic: string;
  objectId?: string | undefined;
  actions: Action[];
}

/** A validly signed payload we cannot use: recorded as a `failed` delivery (200 to the platform), replayable. */
export class Unusable extends Error {}

export interface MapOptions {
  tax: TaxMode;
}

/** ISO 4217 currencies without minor units; everything else has 2 decimals (enough for the platforms here). */
const ZERO_DECIMAL = new Set(["VND", "JPY", "KRW", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF", "KMF", "GNF"]);
export const currencyExponent = (code: string | undefined) =>
  code === undefined || ZERO_DECIMAL.has(code.toUpperCase()) ? 0 : 2;

/** An amount (decimal string or number kept as its source text) in minor units; absent → 0 when optional. */
export function money(v: unknown, exponent: number, field: string, optional = true): number {
  const s = str(v);
  if (s === undefined) {
    if (optional) return 0;
    throw new Unusable(`${field}: missing amount`);
  }
  const n = parseDecimalString(s, exponent);
  if (n === undefined || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Unusable(`${field}: not an amount`);
  return Number(n);
}

/** A whole quantity ≥ 1 ("2", "2.0"); fractional quantities (sold by weight) are not supported. */
export function quantity(v: unknown, field: string): number {
  const s = str(v);
  const n = s === undefined ? undefined : parseDecimalString(s, 3);
  if (n === undefined || n <= 0n || n % 1000n !== 0n) throw new Unusable(`${field}: not a whole quantity ≥ 1`);
  return Number(n / 1000n);
}

/** A platform date-time; without an offset it is taken as Vietnam time (+07:00, KiotViet's local stamps). */
export function dateTime(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  const withZone = /([zZ]|[+-]\d\d:?\d\d)$/.test(s) ? s : `${s}+07:00`;
  const t = Date.parse(withZone);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** The platform SKU, else its variant/product id (as text), else the line id. */
export function lineSku(li: Json, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = str(li[k]);
    if (v) return v.slice(0, 100);
  }
  return undefined;
}

/** Splits `amount` over lines in proportion to their net amounts, exactly (largest remainder), capped at each net. */
export function distribute(amount: number, nets: number[]): number[] {
  const total = nets.reduce((a, b) => a + b, 0);
  if (amount <= 0 || total <= 0) return nets.map(() => 0);
  const a = BigInt(Math.min(amount, total));
  const t = BigInt(total);
  const shares = nets.map((n) => (a * BigInt(n)) / t);
  let left = a - shares.reduce((x, y) => x + y, 0n);
  const order = nets
    .map((n, i) => ({ i, rem: (a * BigInt(n)) % t }))
    .sort((x, y) => (y.rem > x.rem ? 1 : y.rem < x.rem ? -1 : x.i - y.i));
  for (const { i } of order) {
    if (left === 0n) break;
    shares[i]! += 1n;
    left -= 1n;
  }
  return shares.map(Number);
}

/** Adds an order-level discount to the lines pro rata (net of their own discounts). */
export function withOrderDiscount(lines: CanonicalLine[], orderDiscount: number): CanonicalLine[] {
  const nets = lines.map((l) => l.quantity * l.unitPrice - l.discount);
  const extra = distribute(orderDiscount, nets);
  return lines.map((l, i) => ({ ...l, discount: l.discount + extra[i]! }));
}

/** A line discount never exceeds the line (the order service refuses that). */
export const capDiscount = (l: CanonicalLine): CanonicalLine => ({
  ...l,
  discount: Math.min(l.discount, l.quantity * l.unitPrice),
});

/**
 * Normalises the many spellings of a topic (orders/create, order.created, orderAdd, invoice.update…) to the verb
 * the mapping acts on.
 */
export function topicVerb(topic: string): "create" | "paid" | "updated" | "cancelled" | "refund" | "other" {
  const t = topic.toLowerCase();
  // Only order, invoice and refund topics act (products/update, customers/create… are someone else's business).
  if (!/order|invoice|refund|return/.test(t)) return "other";
  if (/cancel|void|delete/.test(t)) return "cancelled";
  if (/refund|return/.test(t)) return "refund";
  if (/paid/.test(t)) return "paid";
  if (/creat|add/.test(t)) return "create";
  if (/updat|finaliz|complet|finish|fulfill/.test(t)) return "updated";
  return "other";
}

/** Key look-up that ignores case (KiotViet's webhook says InvoiceDetails, its API invoiceDetails). */
export function pick(o: Json | undefined, key: string): unknown {
  if (!o) return undefined;
  if (key in o) return o[key];
  const k = key.toLowerCase();
  for (const [name, v] of Object.entries(o)) if (name.toLowerCase() === k) return v;
  return undefined;
}

export const pickObj = (o: Json | undefined, key: string) => obj(pick(o, key));
export const pickArr = (o: Json | undefined, key: string) => arr(pick(o, key));
export const pickStr = (o: Json | undefined, key: string) => str(pick(o, key));
