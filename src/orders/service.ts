/**
 * Orders and refunds: one transaction each — idempotency key, order rows, tier upgrade, earn entries and lots.
 * Used by POST /v1/orders, the CSV importer and the demo seed, so all three earn exactly the same way.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { creditEntries, ledgerEntries, members, orderItems, orders, refunds } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import { canonicalJson, sha256Hex } from "../lib/crypto.ts";
import { conflict, notFound } from "../lib/errors.ts";
import { isSerializationFailure } from "../db/errors.ts";
import { idempotent } from "../db/idempotency.ts";
import { getProgram } from "../program/service.ts";
import { lineWeights, reversalFor, weightedReversalFor, type EarnBreakdown } from "../ledger/earn.ts";
import {
  creditPoints,
  lockMember,
  memberBalance,
  pendingPoints,
  reversePoints,
  spendable,
  type MemberRow,
} from "../ledger/ledger.ts";
import { createMember, findMemberByPhone, requireMember } from "../members/service.ts";
import type { CreateOrderInput, OrderResult } from "./schemas.ts";
import type { Program } from "../program/config.ts";
import { placeOrder } from "./place.ts";
import { expiresAt, guestOrderResult, orderLineRows, orderTotal, pendingUntil, planEarn } from "./plan.ts";
import { findOne } from "../db/find.ts";
import { requireOpenStore } from "../stores/service.ts";
import { type AuditStamp, writeAudit } from "../audit/write.ts";

/** Hash of what an order says, so a replay can be told from a different order under the same externalId. */
export async function orderContentHash(input: CreateOrderInput): Promise<string> {
  return sha256Hex(
    canonicalJson({
      externalId: input.externalId,
      memberId: input.memberId ?? null,
      memberPhone: input.memberPhone ?? null,
      enrol: input.enrol ?? false,
      channel: input.channel,
      placedAt: input.placedAt ? new Date(input.placedAt).toISOString() : null,
      items: input.items.map((i) => ({
        sku: i.sku,
        name: i.name ?? null,
        category: i.category ?? null,
        quantity: i.quantity,
        unitPrice: i.unitPrice,
        discount: i.discount,
      })),
      offerCodes: input.offerCodes ?? [],
      // Only when given, so the hashes of orders without a store stay what they were before stores existed.
      ...(input.storeId ? { storeId: input.storeId } : {}),
    }),
  );
}

/** Extension point: offers (add-on bonus points on claimed codes) hook in here without orders importing them. */
export type OrderHook = (
  tx: Db,
  ctx: {
    merchantId: string;
    orderId: string;
    member: MemberRow | undefined;
    input: CreateOrderInput;
    program: Program;
    at: Date;
    now: Date;
  },
) => Promise<void>;

/**
 * The hooks an order or refund runs, injected by the runtime (src/runtime) through AppDeps — never registered by
 * importing a module. `appliesTo` says which orders a hook may act on; orders no hook applies to take the
 * one-statement path (place.ts), the others the general transaction below, which runs the hooks.
 */
export interface OrderHooks {
  order: readonly { hook: OrderHook; appliesTo: (input: CreateOrderInput) => boolean }[];
  refund: readonly RefundHook[];
}
export const NO_ORDER_HOOKS: OrderHooks = { order: [], refund: [] };

export async function createOrder(
  db: Db,
  merchantId: string,
  input: CreateOrderInput,
  now: Date,
  hooks: OrderHooks = NO_ORDER_HOOKS,
  audit?: AuditStamp,
): Promise<{ status: number; body: OrderResult; replayed: boolean; audited: boolean }> {
  const hash = await orderContentHash(input);
  // Orders by memberId (or guests) with no hook to run: one statement. Phone look-ups and enrolment, hooks, and
  // members whose facts keep changing under heavy contention take the locking transaction below.
  if (!input.memberPhone && !hooks.order.some((h) => h.appliesTo(input))) {
    const placed = await retryOnDeadlock(() => placeOrder(db, merchantId, input, now, hash, audit));
    if (placed) return placed;
  }
  return retryOnDeadlock(() =>
    db.transaction(async (tx) => {
      const r = await idempotent(tx, merchantId, "orders", input.externalId, hash, async () => {
        const body = await insertOrder(tx, merchantId, input, now, hash, hooks);
        // The request's audit entry with the order, as cl_place_order writes it (one transaction).
        if (audit) await writeAudit(tx, { ...audit, merchantId, status: 201 }, now);
        return { status: 201, body };
      });
      return { ...r, audited: audit !== undefined && !r.replayed };
    }),
  );
}

/** A deadlock or serialization failure rolled everything back, so running the transaction again is safe. */
async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (i >= attempts || !isSerializationFailure(err)) throw err;
    }
  }
}

/**
 * The member row locked for this order plus the facts earning needs (cl_member_facts, the same function
 * cl_place_order reads them with), in one round trip: net spend in the tier window before this order,
 * pending points, and the active subscription plan at `placedAt`.
 */
async function lockMemberForOrder(
  tx: Db,
  merchantId: string,
  memberId: string,
  placedAt: Date,
  windowDays: number,
  now: Date,
) {
  const from = new Date(placedAt.getTime() - windowDays * 86_400_000).toISOString();
  const at = placedAt.toISOString();
  const rows = await tx
    .select({
      m: members,
      spend: sql<string>`f.spend`,
      pending: sql<string>`f.pending`,
      plan: sql<string | null>`f.plan`,
    })
    .from(members)
    .innerJoin(
      sql`cl_member_facts(${merchantId}, ${memberId}, ${from}::timestamptz, ${at}::timestamptz, ${now.toISOString()}::timestamptz) f`,
      sql`true`,
    )
    .where(and(eq(members.id, memberId), eq(members.merchantId, merchantId)))
    .for("update", { of: members });
  const r = rows[0];
  return r ? { member: r.m, spend: Number(r.spend), pending: Number(r.pending), plan: r.plan } : undefined;
}

async function insertOrder(
  tx: Db,
  merchantId: string,
  input: CreateOrderInput,
  now: Date,
  contentHash: string,
  hooks: OrderHooks,
): Promise<OrderResult> {
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const program = await getProgram(tx, merchantId);
  if (input.storeId) await requireOpenStore(tx, merchantId, input.storeId);

  let memberId: string | undefined = input.memberId;
  if (memberId && input.memberPhone) {
    // Both given: they must name the same member, or the order would be credited to someone the shop did not mean.
    const found = await findMemberByPhone(tx, merchantId, input.memberPhone);
    // An unknown memberId is a 404 whatever the phone says (the contract); a known one naming someone else is 409.
    if (found && found.id !== memberId) await requireMember(tx, merchantId, memberId);
    if (found && found.id !== memberId)
      throw conflict(
        "member-mismatch",
        "Member mismatch",
        "memberId and memberPhone name different members; send one of them, or both for the same member",
      );
  }
  if (!memberId && input.memberPhone) {
    const found = await findMemberByPhone(tx, merchantId, input.memberPhone);
    if (found) memberId = found.id;
    else if (input.enrol) memberId = (await createMember(tx, merchantId, { phone: input.memberPhone }, now)).id;
    else throw notFound("Member with this phone", "member-not-found");
  }
  const facts = memberId
    ? await lockMemberForOrder(tx, merchantId, memberId, placedAt, program.tierWindowDays, now)
    : undefined;
  if (memberId && !facts) throw notFound("Member", "member-not-found");
  const member = facts?.member;

  const total = orderTotal(input);
  const orderId = newId("ord");

  // Earning is computed before anything is written, so the order row is inserted once, complete.
  const plan =
    member && facts
      ? planEarn(
          program,
          input,
          {
            ...facts,
            tierName: member.tierName,
            tierSince: member.tierSince?.getTime() ?? null,
            birthday: member.birthday,
            pointsTotal: member.pointsTotal,
          },
          placedAt,
        )
      : undefined;
  const breakdown = plan?.breakdown;
  const tier = plan?.tier;
  const pointsEarned = breakdown ? breakdown.earn + breakdown.bonus : 0;

  await insertOrderRows(tx, merchantId, orderId, input, {
    memberId: member?.id ?? null,
    placedAt,
    total,
    contentHash,
    pointsEarned,
    creditEarned: breakdown?.cashback ?? 0,
    now,
  });

  if (!member || !breakdown || !facts) {
    for (const { hook } of hooks.order)
      await hook(tx, { merchantId, orderId, member, input, program, at: placedAt, now });
    return guestOrderResult(orderId, input.externalId, total);
  }

  if (plan?.upgradeTo) {
    await tx.update(members).set({ tierName: plan.upgradeTo, tierSince: placedAt }).where(eq(members.id, member.id));
    member.tierName = plan.upgradeTo;
  }
  const availableAt = pendingUntil(program, placedAt);
  const lotOpts = { at: now, availableAt, expiresAt: expiresAt(program, placedAt), orderId };
  await creditPoints(tx, member, "earn", breakdown.earn, {
    ...lotOpts,
    breakdown,
    reason: `order ${input.externalId}`,
  });
  await creditPoints(tx, member, "bonus", breakdown.bonus, {
    ...lotOpts,
    reason: `bonus: ${breakdown.events.map((e) => e.name).join(", ")}`,
    breakdown: { events: breakdown.events },
  });
  if (breakdown.cashback > 0) {
    await tx.insert(creditEntries).values({
      merchantId,
      memberId: member.id,
      kind: "cashback",
      amount: breakdown.cashback,
      orderId,
      createdAt: now,
    });
    await tx
      .update(members)
      .set({ creditBalance: sql`${members.creditBalance} + ${breakdown.cashback}` })
      .where(eq(members.id, member.id));
  }
  for (const { hook } of hooks.order)
    await hook(tx, { merchantId, orderId, member, input, program, at: placedAt, now });

  // Pending points change only through this order's own lots (when the program has a pending window).
  const pending = availableAt > now ? await pendingPoints(tx, member, now) : facts.pending;
  return {
    orderId,
    externalId: input.externalId,
    total,
    pointsEarned,
    balance: spendable(member.pointsTotal, pending).balance,
    memberId: member.id,
    pending: spendable(member.pointsTotal, pending).pending,
    cashback: breakdown.cashback,
    tier: tier?.name ?? null,
    breakdown,
  };
}

/** The order, its lines (data-modifying CTEs) and the product catalog upsert in one statement. */
async function insertOrderRows(
  tx: Db,
  merchantId: string,
  orderId: string,
  input: CreateOrderInput,
  o: {
    memberId: string | null;
    placedAt: Date;
    total: number;
    contentHash: string;
    pointsEarned: number;
    creditEarned: number;
    now: Date;
  },
) {
  const rows = orderLineRows(input);
  const lines = rows.lines;
  const products = JSON.stringify(rows.products);
  await tx.execute(sql`
    with o as (
      insert into orders (id, merchant_id, external_id, member_id, channel, placed_at, total, points_earned, credit_earned, content_hash, offer_codes, store_id, created_at)
      values (${orderId}, ${merchantId}, ${input.externalId}, ${o.memberId}, ${input.channel}, ${o.placedAt.toISOString()}::timestamptz, ${o.total},
              ${o.pointsEarned}, ${o.creditEarned}, ${o.contentHash}, ${JSON.stringify(input.offerCodes ?? [])}::jsonb, ${input.storeId ?? null}, ${o.now.toISOString()}::timestamptz)
      returning id
    ), i as (
      insert into order_items (order_id, merchant_id, line_no, sku, name, category, quantity, unit_price, discount)
      select o.id, ${merchantId}, x.line_no, x.sku, x.name, x.category, x.quantity, x.unit_price, x.discount
      from o, jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) as x(line_no int, sku text, name text, category text, quantity int, unit_price bigint, discount bigint)
    )
    -- The catalog upsert every order path shares (migrations/functions/cl_upsert_products.sql).
    select cl_upsert_products(${merchantId}, ${products}::jsonb, ${o.now.toISOString()}::timestamptz)`);
}

export async function findOrderByExternalId(db: Db, merchantId: string, externalId: string) {
  return findOne(db, orders, eq(orders.merchantId, merchantId), eq(orders.externalId, externalId));
}

export interface RefundInput {
  externalId: string;
  items?: { sku: string; quantity: number }[] | undefined;
  /**
   * An amount refund (minor units, no lines): points and cashback are reversed pro rata to the amount
   * (`reversalFor` on the order's amounts). Internal (shop integrations' amount-only refunds), not on the HTTP API.
   */
  amount?: number | undefined;
}

export async function createRefund(
  db: Db,
  merchantId: string,
  orderExternalId: string,
  input: RefundInput,
  now: Date,
  hooks: OrderHooks = NO_ORDER_HOOKS,
) {
  const hash = await sha256Hex(
    canonicalJson({
      order: orderExternalId,
      externalId: input.externalId,
      items: input.items ?? null,
      // Only when given, so the hashes of line refunds stay what they were before amount refunds existed.
      ...(input.amount !== undefined ? { amount: input.amount } : {}),
    }),
  );
  // A refund can deadlock with a group-committed batch of orders: the batch holds one member and the analytics
  // marker of a past day while it waits for the next member, which this refund holds while it marks the same day.
  return retryOnDeadlock(() =>
    db.transaction(async (tx) =>
      idempotent(tx, merchantId, "refunds", input.externalId, hash, async () => ({
        status: 201,
        body: await insertRefund(tx, merchantId, orderExternalId, input, now, hooks),
      })),
    ),
  );
}

async function insertRefund(
  tx: Db,
  merchantId: string,
  orderExternalId: string,
  input: RefundInput,
  now: Date,
  hooks: OrderHooks,
) {
  const found = await findOrderByExternalId(tx, merchantId, orderExternalId);
  if (!found) throw notFound("Order", "order-not-found");
  // Lock the member first (same order as every other balance change), then the order.
  const member = found.memberId ? await lockMember(tx, merchantId, found.memberId) : undefined;
  const [order] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.merchantId, merchantId), eq(orders.id, found.id)))
    .for("update");
  const lines = await tx
    .select()
    .from(orderItems)
    .where(and(eq(orderItems.merchantId, merchantId), eq(orderItems.orderId, order!.id)))
    .orderBy(asc(orderItems.lineNo));

  // Quantities to refund per line: requested SKUs are spread over that SKU's lines in order.
  const take = new Map<number, number>();
  if (input.amount !== undefined) {
    // An amount refund takes no lines (refundAmount below checks it against what remains).
  } else if (input.items) {
    const wanted = new Map<string, number>();
    for (const it of input.items) wanted.set(it.sku, (wanted.get(it.sku) ?? 0) + it.quantity);
    for (const [sku, qty] of wanted) {
      let left = qty;
      for (const l of lines) {
        if (l.sku !== sku || left === 0) continue;
        const t = Math.min(left, l.quantity - l.refundedQuantity);
        if (t > 0) take.set(l.id, t);
        left -= t;
      }
      if (left > 0)
        throw conflict(
          "refund-exceeds-order",
          "Refund exceeds order",
          `Refunding ${qty} × ${sku} is more than remains refundable on the order`,
        );
    }
  } else {
    for (const l of lines) if (l.quantity > l.refundedQuantity) take.set(l.id, l.quantity - l.refundedQuantity);
    // Also when earlier amount refunds took the whole total back (the lines then still show unrefunded quantities).
    if (take.size === 0 || (order!.total > 0 && order!.refundedTotal >= order!.total))
      throw conflict("refund-exceeds-order", "Already refunded", "The order is already fully refunded");
  }

  let amount = 0;
  const refundedItems: { sku: string; quantity: number }[] = [];
  const shares: { net: number; refundedBefore: number; refundedAfter: number }[] = [];
  for (const l of lines) {
    const t = take.get(l.id) ?? 0;
    const net = BigInt(l.quantity * l.unitPrice - l.discount);
    // Cumulative per line so that refunding a line piece by piece adds up to exactly its net amount.
    const before = Number((net * BigInt(l.refundedQuantity)) / BigInt(l.quantity));
    const after = Number((net * BigInt(l.refundedQuantity + t)) / BigInt(l.quantity));
    shares.push({ net: Number(net), refundedBefore: before, refundedAfter: after });
    if (!t) continue;
    amount += after - before;
    refundedItems.push({ sku: l.sku, quantity: t });
    await tx
      .update(orderItems)
      .set({ refundedQuantity: l.refundedQuantity + t })
      .where(and(eq(orderItems.merchantId, merchantId), eq(orderItems.id, l.id)));
  }
  amount = refundAmount(order!, input, amount);
  const refundedBefore = order!.refundedTotal;
  const refundedAfter = refundedBefore + amount;
  // Points follow what each line earned (category/product and event multipliers), cashback follows the amount; an
  // amount refund names no lines, so its points follow the amount too.
  const weights =
    order!.pointsEarned > 0 && input.amount === undefined
      ? lineWeights(await earnBreakdown(tx, merchantId, order!.id), lines.length)
      : undefined;
  const pointsReversed = withinEarned(
    order!,
    weights
      ? weightedReversalFor(order!.pointsEarned, shares, weights)
      : reversalFor(order!.pointsEarned, order!.total, refundedBefore, refundedAfter),
  );
  const creditReversed = reversalFor(order!.creditEarned, order!.total, refundedBefore, refundedAfter);

  const refundId = newId("ref");
  await tx.insert(refunds).values({
    id: refundId,
    merchantId,
    orderId: order!.id,
    externalId: input.externalId,
    amount,
    pointsReversed,
    items: refundedItems,
    createdAt: now,
  });
  await tx
    .update(orders)
    .set({
      refundedTotal: refundedAfter,
      pointsReversed: order!.pointsReversed + pointsReversed,
      creditReversed: order!.creditReversed + creditReversed,
    })
    .where(and(eq(orders.merchantId, merchantId), eq(orders.id, order!.id)));

  let balance: number | null = null;
  let hookPointsReversed = 0;
  if (member) {
    await reversePoints(tx, member, pointsReversed, {
      at: now,
      orderId: order!.id,
      refundId,
      reason: `refund ${input.externalId} of order ${orderExternalId}`,
    });
    if (creditReversed > 0) {
      await tx.insert(creditEntries).values({
        merchantId,
        memberId: member.id,
        kind: "refund",
        amount: -creditReversed,
        orderId: order!.id,
        createdAt: now,
      });
      await tx
        .update(members)
        .set({ creditBalance: sql`${members.creditBalance} - ${creditReversed}` })
        .where(and(eq(members.merchantId, merchantId), eq(members.id, member.id)));
    }
    for (const hook of hooks.refund)
      hookPointsReversed += await hook(tx, {
        merchantId,
        orderId: order!.id,
        member,
        refundId,
        refundExternalId: input.externalId,
        total: order!.total,
        refundedBefore,
        refundedAfter,
        now,
      });
    balance = (await memberBalance(tx, member, now)).balance;
  }
  // Every point this refund took back (the order's own points plus add-on bonuses the hooks reversed), so the
  // figures add up to the balance change; `orderPointsReversed`/`bonusPointsReversed` are the breakdown.
  return {
    refundId,
    externalId: input.externalId,
    orderExternalId,
    amount,
    pointsReversed: pointsReversed + hookPointsReversed,
    orderPointsReversed: pointsReversed,
    bonusPointsReversed: hookPointsReversed,
    balance,
  };
}

type OrderRow = typeof orders.$inferSelect;

/**
 * What a refund takes back in money: an amount refund its amount, which must be within what remains refundable
 * (else 409 refund-exceeds-order, as for lines); a line refund its lines' amount, capped at what remains (only an
 * earlier amount refund makes that cap bite: amounts then never add up to more than the order's total).
 */
function refundAmount(order: OrderRow, input: RefundInput, linesAmount: number): number {
  const remaining = Math.max(0, order.total - order.refundedTotal);
  if (input.amount === undefined) return Math.min(linesAmount, remaining);
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || input.amount > remaining)
    throw conflict(
      "refund-exceeds-order",
      "Refund exceeds order",
      `Refunding ${input.amount} is more than the ${remaining} that remains refundable on the order`,
    );
  return input.amount;
}

/**
 * Points a refund reverses never exceed what the order earned minus what was reversed before (line refunds are
 * weighted per line, amount refunds pro rata to the order: mixed on one order, their sum is capped here).
 */
const withinEarned = (order: OrderRow, points: number) =>
  Math.max(0, Math.min(points, order.pointsEarned - order.pointsReversed));

/** The breakdown stored with the order's `earn` entry (per-line multipliers and events at the time of the order). */
async function earnBreakdown(tx: Db, merchantId: string, orderId: string): Promise<EarnBreakdown | undefined> {
  const [row] = await tx
    .select({ b: ledgerEntries.breakdown })
    .from(ledgerEntries)
    .where(
      and(eq(ledgerEntries.merchantId, merchantId), eq(ledgerEntries.orderId, orderId), eq(ledgerEntries.kind, "earn")),
    )
    .limit(1);
  return (row?.b ?? undefined) as EarnBreakdown | undefined;
}

/** Extension point: points other modules credited on an order (offers' add-on bonus) are reversed with its refunds. */
export type RefundHook = (
  tx: Db,
  ctx: {
    merchantId: string;
    orderId: string;
    member: MemberRow;
    refundId: string;
    refundExternalId: string;
    total: number;
    refundedBefore: number;
    refundedAfter: number;
    now: Date;
  },
) => Promise<number>; // the points this hook reversed, so the refund response reports the whole balance change
