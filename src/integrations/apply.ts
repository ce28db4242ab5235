/**
 * Applies mapped actions through the order service (createOrder / createRefund: one transaction per balance change,
 * idempotent by external id), so a shop's order earns exactly like POST /v1/orders.
 */
import { and, count, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { DomainError } from "../lib/errors.ts";
import { findMemberByEmail, findMemberByPhone, recordMemberEmail } from "../members/service.ts";
import { platformEmail } from "../members/email.ts";
import { normalizePhone } from "../members/phone.ts";
import { CreateOrderSchema } from "../orders/schemas.ts";
import { findStoreByCode } from "../stores/service.ts";
import { createOrder, createRefund, findOrderByExternalId, type OrderHooks } from "../orders/service.ts";
import type { Action, CanonicalOrder } from "./mapping.ts";
import { type DeliveryOutcome, integrationConnections, integrationDeliveries, type Platform } from "./tables.ts";

export interface ConnectionFacts {
  /** The connection's id (its delivery log tells which orders it wrote). */
  id: string;
  merchantId: string;
  /** What this delivery's order ids start with: `{platform}`, or `{platform}:{shop}` (see connectionFacts). */
  idPrefix: string;
  /** The other form an order of this connection may have been written under (before or after another connection
   *  of the platform existed), looked up too so an order never earns twice and can still be refunded. */
  otherPrefix?: string | undefined;
  enrolUnknownCustomers: boolean;
}

export interface Applied {
  outcome: Exclude<DeliveryOutcome, "rejected-signature">;
  reason?: string | undefined;
  externalId?: string | undefined;
}

/**
 * The order-id prefix, decided when a delivery is applied: `{platform}:{shop}` while the merchant has more than one
 * live connection of the platform and this one has a shop, else `{platform}` (the spec's two forms).
 */
export async function connectionFacts(
  db: Db,
  conn: { id: string; merchantId: string; platform: Platform; shop: string | null; enrolUnknownCustomers: boolean },
): Promise<ConnectionFacts> {
  const base = { id: conn.id, merchantId: conn.merchantId, enrolUnknownCustomers: conn.enrolUnknownCustomers };
  if (!conn.shop) return { ...base, idPrefix: conn.platform };
  const [row] = await db
    .select({ n: count() })
    .from(integrationConnections)
    .where(
      and(
        eq(integrationConnections.merchantId, conn.merchantId),
        eq(integrationConnections.platform, conn.platform),
        isNull(integrationConnections.deletedAt),
      ),
    );
  const qualified = `${conn.platform}:${conn.shop}`;
  return (row?.n ?? 0) > 1
    ? { ...base, idPrefix: qualified, otherPrefix: conn.platform }
    : { ...base, idPrefix: conn.platform, otherPrefix: qualified };
}

export const externalIdOf = (c: ConnectionFacts, platformOrderId: string) => `${c.idPrefix}:${platformOrderId}`;

/**
 * The externalId an order of this connection was written under: the current form, else the other form when this
 * connection's delivery log shows it wrote that order (another connection's order with the same platform id — the
 * merchant's other shop — is never taken for this one's).
 */
async function existingExternalId(db: Db, c: ConnectionFacts, platformOrderId: string): Promise<string | undefined> {
  const current = externalIdOf(c, platformOrderId);
  if (await findOrderByExternalId(db, c.merchantId, current)) return current;
  return otherExternalId(db, c, platformOrderId);
}

async function otherExternalId(db: Db, c: ConnectionFacts, platformOrderId: string): Promise<string | undefined> {
  if (!c.otherPrefix) return undefined;
  const other = `${c.otherPrefix}:${platformOrderId}`;
  if (!(await findOrderByExternalId(db, c.merchantId, other))) return undefined;
  const [written] = await db
    .select({ id: integrationDeliveries.id })
    .from(integrationDeliveries)
    .where(
      and(
        eq(integrationDeliveries.connectionId, c.id),
        eq(integrationDeliveries.merchantId, c.merchantId),
        eq(integrationDeliveries.externalId, other),
      ),
    )
    .limit(1);
  return written ? other : undefined;
}

export async function applyAction(
  db: Db,
  c: ConnectionFacts,
  action: Action,
  now: Date,
  hooks: OrderHooks | undefined,
): Promise<Applied> {
  if (action.kind === "ignore") return { outcome: "ignored", reason: action.reason };
  if (action.kind === "order") return applyOrder(db, c, action.order, now, hooks);
  const externalId = await existingExternalId(db, c, action.orderId);
  if (!externalId)
    return {
      outcome: "ignored",
      reason: "unknown order (never received)",
      externalId: externalIdOf(c, action.orderId),
    };
  const refundKey =
    action.kind === "cancel" ? `${externalId}:cancel` : `${externalId}:refund:${action.refundId}`.slice(0, 200);
  const note = action.kind === "refund" ? action.note : undefined;
  try {
    const r = await createRefund(
      db,
      c.merchantId,
      externalId,
      {
        externalId: refundKey,
        items: action.kind === "refund" ? action.items : undefined,
        amount: action.kind === "refund" ? action.amount : undefined,
      },
      now,
      hooks,
    );
    if (r.replayed) return { outcome: "duplicate", reason: "refund already applied", externalId };
    return { outcome: "applied", reason: note, externalId };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    // A cancellation or full refund of an order already refunded in full (Shopify sends both orders/cancelled and
    // refunds/create when a shop cancels with a refund): nothing left to reverse, not an error.
    const whole = action.kind === "cancel" || (!action.items && action.amount === undefined);
    const order = await findOrderByExternalId(db, c.merchantId, externalId);
    if (err.slug === "refund-exceeds-order" && order && order.total > 0 && order.refundedTotal >= order.total)
      return { outcome: "ignored", reason: "the order is already fully refunded: nothing left to reverse", externalId };
    if (err.slug === "refund-exceeds-order" && whole)
      return { outcome: "ignored", reason: `nothing left to refund: ${err.message}`, externalId };
    // Anything else is unexpected (lines the order does not have, more than remains, the same refund id with other
    // lines): failed with the reason, replayable once the order or the payload is right.
    if (err.slug === "idempotency-conflict")
      return { outcome: "failed", reason: "this refund was already applied with other lines or amount", externalId };
    return { outcome: "failed", reason: [err.message, note].filter(Boolean).join("; "), externalId };
  }
}

async function applyOrder(
  db: Db,
  c: ConnectionFacts,
  order: CanonicalOrder,
  now: Date,
  hooks: OrderHooks | undefined,
  retried = false,
): Promise<Applied> {
  const externalId = externalIdOf(c, order.id);
  // Written under the other form (before or after another connection of the platform existed): never earned twice.
  const other = await otherExternalId(db, c, order.id);
  if (other) return { outcome: "duplicate", reason: "order already recorded", externalId: other };
  // Any later event for an order already written (paid after create, updated, a retry) earns nothing again: the
  // order service's idempotency by externalId answers a replay (same content) or a conflict (changed lines, a
  // member found since) — both recorded as duplicate, never re-earned. No look-up first: one round trip less.
  // Members are matched by phone, else by email (case-insensitive); only a customer with a phone is enrolled (the
  // spec), so an unknown email alone makes a guest order.
  const phone = order.phone ? normalizePhone(order.phone) : undefined;
  const email = platformEmail(order.email);
  let member: { memberId: string } | { memberPhone: string; enrol: true } | Record<string, never> = {};
  const found =
    (phone ? await findMemberByPhone(db, c.merchantId, phone) : undefined) ??
    (email ? await findMemberByEmail(db, c.merchantId, email) : undefined);
  if (found) member = { memberId: found.id };
  else if (phone && c.enrolUnknownCustomers) member = { memberPhone: phone, enrol: true };
  // The platform's location becomes the order's store when an open store has that code; otherwise no store (an
  // unknown location never fails the delivery).
  const store = order.location ? await findStoreByCode(db, c.merchantId, order.location) : undefined;
  const parsed = CreateOrderSchema.safeParse({
    externalId,
    ...member,
    ...(store && !store.archivedAt ? { storeId: store.id } : {}),
    channel: order.channel,
    ...(order.placedAt ? { placedAt: order.placedAt } : {}),
    items: order.lines.map((l) => ({
      sku: l.sku,
      ...(l.name ? { name: l.name } : {}),
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discount: l.discount,
    })),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { outcome: "failed", reason: `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`, externalId };
  }
  try {
    const r = await createOrder(db, c.merchantId, parsed.data, now, hooks);
    if (r.replayed) return { outcome: "duplicate", reason: "order already recorded", externalId };
    // The member just enrolled gets the email too (after the order's transaction: a crash in between loses only the
    // email; an email another member took meanwhile is left off).
    if ("memberPhone" in member && email && r.body.memberId)
      await recordMemberEmail(db, c.merchantId, r.body.memberId, email);
    const how = "memberId" in member ? "member" : "memberPhone" in member ? "enrolled" : "guest";
    return { outcome: "applied", reason: `${how}; ${r.body.pointsEarned} points`, externalId };
  } catch (err) {
    // A concurrent delivery of the same order won the race (same key, possibly another event's content).
    if (err instanceof DomainError && err.slug === "idempotency-conflict")
      return { outcome: "duplicate", reason: "order already recorded", externalId };
    // Another delivery enrolled the same new phone a moment ago: the member now exists, so look it up again.
    if (err instanceof DomainError && err.slug === "member-exists" && !retried)
      return applyOrder(db, c, order, now, hooks, true);
    if (err instanceof DomainError) return { outcome: "failed", reason: err.message, externalId };
    throw err;
  }
}

/** One outcome for a delivery of several actions: failed > applied > duplicate > ignored. */
export function combine(results: Applied[]): Applied {
  const rank: Record<Applied["outcome"], number> = { failed: 3, applied: 2, duplicate: 1, ignored: 0 };
  const top = results.reduce<Applied | undefined>(
    (a, r) => (!a || rank[r.outcome] > rank[a.outcome] ? r : a),
    undefined,
  );
  if (!top) return { outcome: "ignored", reason: "nothing to do" };
  const reasons = [...new Set(results.map((r) => r.reason).filter(Boolean))];
  return {
    outcome: top.outcome,
    reason: reasons.join("; ").slice(0, 1000) || undefined,
    externalId: results.find((r) => r.externalId)?.externalId,
  };
}
