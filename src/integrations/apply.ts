/**
 * Applies mapped actions through the order service (createOrder / createRefund: one transaction per balance change,
 * idempotent by external id), so a shop's order earns exactly like POST /v1/orders.
 */
import type { Db } from "../db/types.ts";
import { DomainError } from "../lib/errors.ts";
import { findMemberByEmail, findMemberByPhone, recordMemberEmail } from "../members/service.ts";
import { platformEmail } from "../members/email.ts";
import { normalizePhone } from "../members/phone.ts";
import { CreateOrderSchema } from "../orders/schemas.ts";
import { findStoreByCode } from "../stores/service.ts";
import { createOrder, createRefund, findOrderByExternalId, type OrderHooks } from "../orders/service.ts";
import type { Action, CanonicalOrder } from "./mapping.ts";
import type { DeliveryOutcome } from "./tables.ts";

export interface ConnectionFacts {
  merchantId: string;
  idPrefix: string;
  enrolUnknownCustomers: boolean;
}

export interface Applied {
  outcome: Exclude<DeliveryOutcome, "rejected-signature">;
  reason?: string | undefined;
  externalId?: string | undefined;
}

export const externalIdOf = (c: ConnectionFacts, platformOrderId: string) => `${c.idPrefix}:${platformOrderId}`;

export async function applyAction(
  db: Db,
  c: ConnectionFacts,
  action: Action,
  now: Date,
  hooks: OrderHooks | undefined,
): Promise<Applied> {
  if (action.kind === "ignore") return { outcome: "ignored", reason: action.reason };
  if (action.kind === "order") return applyOrder(db, c, action.order, now, hooks);
  const externalId = externalIdOf(c, action.orderId);
  if (!(await findOrderByExternalId(db, c.merchantId, externalId)))
    return { outcome: "ignored", reason: "unknown order (never received)", externalId };
  const refundKey =
    action.kind === "cancel" ? `${externalId}:cancel` : `${externalId}:refund:${action.refundId}`.slice(0, 200);
  try {
    const r = await createRefund(
      db,
      c.merchantId,
      externalId,
      { externalId: refundKey, items: action.kind === "refund" ? action.items : undefined },
      now,
      hooks,
    );
    return r.replayed
      ? { outcome: "duplicate", reason: "refund already applied", externalId }
      : { outcome: "applied", externalId };
  } catch (err) {
    if (err instanceof DomainError && (err.slug === "refund-exceeds-order" || err.slug === "idempotency-conflict"))
      return { outcome: "duplicate", reason: `nothing left to refund: ${err.message}`, externalId };
    if (err instanceof DomainError) return { outcome: "failed", reason: err.message, externalId };
    throw err;
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
