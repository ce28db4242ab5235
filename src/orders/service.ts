/**
 * Orders and refunds: one transaction each — idempotency key, order rows, tier upgrade, earn entries and lots.
 * Used by POST /v1/orders, the CSV importer and the demo seed, so all three earn exactly the same way.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { creditEntries, members, orderItems, orders, products, refunds } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import { canonicalJson, sha256Hex } from "../lib/crypto.ts";
import { conflict, notFound } from "../http/problem.ts";
import { idempotent } from "../http/idempotency.ts";
import { getProgram } from "../program/service.ts";
import { effectiveTier, tierRank } from "../program/tiers.ts";
import { computeEarn, lineAmount, reversalFor } from "../ledger/earn.ts";
import { creditPoints, lockMember, memberBalance, reversePoints, type MemberRow } from "../ledger/ledger.ts";
import { activeSubscription, createMember, findMemberByPhone, netSpend } from "../members/service.ts";
import type { CreateOrderInput, OrderResult } from "./schemas.ts";
import type { Program } from "../program/config.ts";

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
      items: input.items.map((i) => ({ sku: i.sku, name: i.name ?? null, category: i.category ?? null, quantity: i.quantity, unitPrice: i.unitPrice, discount: i.discount })),
      offerCodes: input.offerCodes ?? [],
    }),
  );
}

/** Extension point: offers (add-on bonus points on claimed codes) hook in here without orders importing them. */
export type OrderHook = (tx: Db, ctx: { merchantId: string; orderId: string; member: MemberRow | undefined; input: CreateOrderInput; program: Program; at: Date; now: Date }) => Promise<void>;
const orderHooks: OrderHook[] = [];
export function onOrderCreated(hook: OrderHook): void {
  orderHooks.push(hook);
}

export async function createOrder(db: Db, merchantId: string, input: CreateOrderInput, now: Date): Promise<{ status: number; body: OrderResult; replayed: boolean }> {
  const hash = await orderContentHash(input);
  return db.transaction(async (tx) =>
    idempotent(tx, merchantId, "orders", input.externalId, hash, async () => ({ status: 201, body: await insertOrder(tx, merchantId, input, now, hash) })),
  );
}

async function insertOrder(tx: Db, merchantId: string, input: CreateOrderInput, now: Date, contentHash: string): Promise<OrderResult> {
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const program = await getProgram(tx, merchantId);

  let member: MemberRow | undefined;
  if (input.memberId) {
    member = await lockMember(tx, merchantId, input.memberId);
    if (!member) throw notFound("Member", "member-not-found");
  } else if (input.memberPhone) {
    const found = await findMemberByPhone(tx, merchantId, input.memberPhone);
    if (found) member = await lockMember(tx, merchantId, found.id);
    else if (input.enrol) member = await lockMember(tx, merchantId, (await createMember(tx, merchantId, { phone: input.memberPhone }, now)).id);
    else throw notFound("Member with this phone", "member-not-found");
  }

  const total = input.items.reduce((s, i) => s + lineAmount(i), 0);
  const orderId = newId("ord");
  await tx.insert(orders).values({
    id: orderId,
    merchantId,
    externalId: input.externalId,
    memberId: member?.id ?? null,
    channel: input.channel,
    placedAt,
    total,
    contentHash,
    offerCodes: input.offerCodes ?? [],
    createdAt: now,
  });
  await tx.insert(orderItems).values(
    input.items.map((i, n) => ({
      orderId,
      merchantId,
      lineNo: n + 1,
      sku: i.sku,
      name: i.name ?? null,
      category: i.category ?? null,
      quantity: i.quantity,
      unitPrice: i.unitPrice,
      discount: i.discount,
    })),
  );
  await upsertProducts(tx, merchantId, input, now);

  if (!member) {
    for (const hook of orderHooks) await hook(tx, { merchantId, orderId, member, input, program, at: placedAt, now });
    return { orderId, externalId: input.externalId, total, pointsEarned: 0, balance: null, memberId: null, pending: null, cashback: 0, tier: null, breakdown: null };
  }

  // The order that crosses a threshold already earns at the new tier.
  const spend = await netSpend(tx, member.id, placedAt, program.tierWindowDays);
  const tier = effectiveTier(program, member.tierName, spend);
  if (tier && tierRank(program, tier.name) > tierRank(program, member.tierName)) {
    await tx.update(members).set({ tierName: tier.name, tierSince: placedAt }).where(eq(members.id, member.id));
    member.tierName = tier.name;
  } else if (tier && !member.tierName) {
    await tx.update(members).set({ tierName: tier.name, tierSince: placedAt }).where(eq(members.id, member.id));
  }
  const sub = await activeSubscription(tx, member.id, placedAt);
  const plan = sub ? program.subscriptionPlans.find((p) => p.id === sub.plan) : undefined;
  const breakdown = computeEarn(input.items, {
    program,
    tier,
    placedAt,
    channel: input.channel,
    birthday: member.birthday,
    subscription: plan ? { plan: plan.id, multiplier: plan.multiplier } : undefined,
  });

  const availableAt = new Date(placedAt.getTime() + program.pendingDays * 86_400_000);
  const expiresAt = program.pointsExpireDays ? new Date(placedAt.getTime() + program.pointsExpireDays * 86_400_000) : null;
  const lotOpts = { at: now, availableAt, expiresAt, orderId };
  await creditPoints(tx, member, "earn", breakdown.earn, { ...lotOpts, breakdown: breakdown as unknown as Record<string, unknown>, reason: `order ${input.externalId}` });
  await creditPoints(tx, member, "bonus", breakdown.bonus, { ...lotOpts, reason: `bonus: ${breakdown.events.map((e) => e.name).join(", ")}`, breakdown: { events: breakdown.events } });
  if (breakdown.cashback > 0) {
    await tx.insert(creditEntries).values({ merchantId, memberId: member.id, kind: "cashback", amount: breakdown.cashback, orderId, createdAt: now });
    await tx.update(members).set({ creditBalance: sql`${members.creditBalance} + ${breakdown.cashback}` }).where(eq(members.id, member.id));
  }
  const pointsEarned = breakdown.earn + breakdown.bonus;
  await tx.update(orders).set({ pointsEarned, creditEarned: breakdown.cashback }).where(eq(orders.id, orderId));
  for (const hook of orderHooks) await hook(tx, { merchantId, orderId, member, input, program, at: placedAt, now });

  const bal = await memberBalance(tx, member, now);
  return {
    orderId,
    externalId: input.externalId,
    total,
    pointsEarned,
    balance: bal.balance,
    memberId: member.id,
    pending: bal.pending,
    cashback: breakdown.cashback,
    tier: tier?.name ?? null,
    breakdown: breakdown as unknown as Record<string, unknown>,
  };
}

async function upsertProducts(tx: Db, merchantId: string, input: CreateOrderInput, now: Date) {
  const bySku = new Map<string, { name: string | null; category: string | null; price: number }>();
  for (const i of input.items) bySku.set(i.sku, { name: i.name ?? null, category: i.category ?? null, price: i.unitPrice });
  const values = [...bySku].map(([sku, v]) => ({ merchantId, sku, name: v.name, category: v.category, price: v.price, updatedAt: now }));
  await tx
    .insert(products)
    .values(values)
    .onConflictDoUpdate({
      target: [products.merchantId, products.sku],
      set: {
        name: sql`coalesce(excluded.name, ${products.name})`,
        category: sql`coalesce(excluded.category, ${products.category})`,
        price: sql`excluded.price`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

export async function findOrderByExternalId(db: Db, merchantId: string, externalId: string) {
  const rows = await db.select().from(orders).where(and(eq(orders.merchantId, merchantId), eq(orders.externalId, externalId))).limit(1);
  return rows[0];
}

export interface RefundInput {
  externalId: string;
  items?: { sku: string; quantity: number }[] | undefined;
}

export async function createRefund(db: Db, merchantId: string, orderExternalId: string, input: RefundInput, now: Date) {
  const hash = await sha256Hex(canonicalJson({ order: orderExternalId, externalId: input.externalId, items: input.items ?? null }));
  return db.transaction(async (tx) =>
    idempotent(tx, merchantId, "refunds", input.externalId, hash, async () => ({ status: 201, body: await insertRefund(tx, merchantId, orderExternalId, input, now) })),
  );
}

async function insertRefund(tx: Db, merchantId: string, orderExternalId: string, input: RefundInput, now: Date) {
  const found = await findOrderByExternalId(tx, merchantId, orderExternalId);
  if (!found) throw notFound("Order", "order-not-found");
  // Lock the member first (same order as every other balance change), then the order.
  const member = found.memberId ? await lockMember(tx, merchantId, found.memberId) : undefined;
  const [order] = await tx.select().from(orders).where(eq(orders.id, found.id)).for("update");
  const lines = await tx.select().from(orderItems).where(eq(orderItems.orderId, order!.id)).orderBy(asc(orderItems.lineNo));

  // Quantities to refund per line: requested SKUs are spread over that SKU's lines in order.
  const take = new Map<number, number>();
  if (input.items) {
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
      if (left > 0) throw conflict("refund-exceeds-order", "Refund exceeds order", `Refunding ${qty} × ${sku} is more than remains refundable on the order`);
    }
  } else {
    for (const l of lines) if (l.quantity > l.refundedQuantity) take.set(l.id, l.quantity - l.refundedQuantity);
    if (take.size === 0) throw conflict("refund-exceeds-order", "Already refunded", "The order is already fully refunded");
  }

  let amount = 0;
  const refundedItems: { sku: string; quantity: number }[] = [];
  for (const l of lines) {
    const t = take.get(l.id);
    if (!t) continue;
    const net = BigInt(l.quantity * l.unitPrice - l.discount);
    // Cumulative per line so that refunding a line piece by piece adds up to exactly its net amount.
    const before = Number((net * BigInt(l.refundedQuantity)) / BigInt(l.quantity));
    const after = Number((net * BigInt(l.refundedQuantity + t)) / BigInt(l.quantity));
    amount += after - before;
    refundedItems.push({ sku: l.sku, quantity: t });
    await tx.update(orderItems).set({ refundedQuantity: l.refundedQuantity + t }).where(eq(orderItems.id, l.id));
  }
  const refundedBefore = order!.refundedTotal;
  const refundedAfter = refundedBefore + amount;
  const pointsReversed = reversalFor(order!.pointsEarned, order!.total, refundedBefore, refundedAfter);
  const creditReversed = reversalFor(order!.creditEarned, order!.total, refundedBefore, refundedAfter);

  const refundId = newId("ref");
  await tx.insert(refunds).values({ id: refundId, merchantId, orderId: order!.id, externalId: input.externalId, amount, pointsReversed, items: refundedItems, createdAt: now });
  await tx
    .update(orders)
    .set({ refundedTotal: refundedAfter, pointsReversed: order!.pointsReversed + pointsReversed, creditReversed: order!.creditReversed + creditReversed })
    .where(eq(orders.id, order!.id));

  let balance: number | null = null;
  if (member) {
    await reversePoints(tx, member, pointsReversed, { at: now, orderId: order!.id, refundId, reason: `refund ${input.externalId} of order ${orderExternalId}` });
    if (creditReversed > 0) {
      await tx.insert(creditEntries).values({ merchantId, memberId: member.id, kind: "refund", amount: -creditReversed, orderId: order!.id, createdAt: now });
      await tx.update(members).set({ creditBalance: sql`${members.creditBalance} - ${creditReversed}` }).where(eq(members.id, member.id));
    }
    balance = (await memberBalance(tx, member, now)).balance;
  }
  return { refundId, externalId: input.externalId, orderExternalId, amount, pointsReversed, balance };
}
