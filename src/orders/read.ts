/**
 * "Why N points?" after the fact (issue 13 defect 4): an order as stored — lines, refunds, and every ledger entry
 * it caused with the breakdown stored at earn time (never recomputed: the program may have changed since).
 * Read-only; placement and refunds live in service.ts / place.ts.
 */
import { and, asc, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { ledgerEntries, orderItems, orders, refunds } from "../db/schema.ts";
import type { Db } from "../db/types.ts";
import { notFound } from "../lib/errors.ts";
import type { EarnBreakdown } from "../ledger/earn.ts";
import { ints, nullableStrings, strings } from "../lib/schemas/fields.ts";

const Multiplier = z.object({ name: z.string(), multiplier: z.number() });

export const OrderBreakdownView = z.object({
  total: z.number().int().describe("The amount points were earned on"),
  base: z.number().int().describe("What the order would earn with no multiplier"),
  lines: z.array(
    z.object({
      sku: z.string(),
      amount: z.number().int(),
      multiplier: z.number(),
      source: z.enum(["category", "product", "none"]),
      event: z.string().optional(),
    }),
  ),
  tier: Multiplier.nullable(),
  subscription: z.object({ plan: z.string(), multiplier: z.number() }).nullable(),
  events: z.array(Multiplier).describe("Bonus events (promotions, birthday)"),
  earn: z.number().int().describe("Points from the program formula (lines × multipliers × tier × subscription)"),
  bonus: z.number().int().describe("Extra points from bonus events"),
  cashback: z.number().int().describe("Store credit earned, minor units"),
});

export const OrderView = z.object({
  ...strings("orderId", "externalId"),
  memberId: z.string().nullable(),
  channel: z.string(),
  storeId: z.string().nullable().describe("The store it was placed at (GET /v1/stores/{id}); null when none"),
  placedAt: z.string(),
  ...ints("total", "refundedTotal"),
  offerCodes: z.array(z.string()),
  lines: z.array(
    z.object({
      lineNo: z.number().int(),
      sku: z.string(),
      ...nullableStrings("name", "category"),
      ...ints("quantity", "unitPrice", "discount", "amount", "refundedQuantity"),
    }),
  ),
  breakdown: OrderBreakdownView.nullable().describe("As stored with the earn entry; null for a guest order"),
  offerBonuses: z
    .array(z.object({ offerId: z.string(), kind: z.string(), code: z.string(), points: z.number().int() }))
    .describe("Add-on offer bonuses credited because the order used a claim code"),
  points: z.object({
    earned: z.number().int().describe("Σ the order's earn and bonus entries (offer bonuses included)"),
    reversed: z.number().int().describe("Σ points its refunds took back"),
    net: z.number().int().describe("earned − reversed: the order's effect on the balance"),
  }),
  credit: z.object({ earned: z.number().int(), reversed: z.number().int() }),
  refunds: z.array(
    z.object({
      refundId: z.string(),
      externalId: z.string(),
      amount: z.number().int(),
      pointsReversed: z.number().int().describe("Σ the refund's ledger entries"),
      items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
      createdAt: z.string(),
    }),
  ),
  entries: z
    .array(
      z.object({
        id: z.string(),
        kind: z.string(),
        points: z.number().int(),
        reason: z.string().nullable(),
        refundId: z.string().nullable(),
        createdAt: z.string(),
      }),
    )
    .describe("Every ledger entry the order and its refunds made; Σ points = points.net"),
});
export type OrderViewT = z.output<typeof OrderView>;

function offerBonus(b: Record<string, unknown> | null, points: number) {
  if (!b || typeof b.offerId !== "string") return null;
  return { offerId: b.offerId, kind: String(b.kind ?? ""), code: String(b.code ?? ""), points };
}

export async function readOrder(db: Db, merchantId: string, externalId: string): Promise<OrderViewT> {
  const [o] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.merchantId, merchantId), eq(orders.externalId, externalId)))
    .limit(1);
  if (!o) throw notFound(`Order ${externalId}`, "order-not-found");
  const [items, refundRows, entries] = await Promise.all([
    db
      .select()
      .from(orderItems)
      .where(and(eq(orderItems.merchantId, merchantId), eq(orderItems.orderId, o.id)))
      .orderBy(asc(orderItems.lineNo)),
    db
      .select()
      .from(refunds)
      .where(and(eq(refunds.merchantId, merchantId), eq(refunds.orderId, o.id)))
      .orderBy(asc(refunds.createdAt), asc(refunds.id)),
    o.memberId
      ? db
          .select()
          .from(ledgerEntries)
          .where(and(eq(ledgerEntries.memberId, o.memberId), eq(ledgerEntries.orderId, o.id)))
          .orderBy(asc(ledgerEntries.id))
      : Promise.resolve([]),
  ]);
  const earnEntry = entries.find((e) => e.kind === "earn");
  const stored = (earnEntry?.breakdown ?? null) as EarnBreakdown | null;
  const offerBonuses = entries
    .filter((e) => e.kind === "bonus")
    .map((e) => offerBonus(e.breakdown, e.points))
    .filter((x) => x !== null);
  const earned = entries.filter((e) => e.kind === "earn" || e.kind === "bonus").reduce((s, e) => s + e.points, 0);
  const reversedBy = new Map<string, number>();
  for (const e of entries)
    if (e.kind === "refund" && e.refundId) reversedBy.set(e.refundId, (reversedBy.get(e.refundId) ?? 0) - e.points);
  const reversed = [...reversedBy.values()].reduce((s, x) => s + x, 0);
  return {
    orderId: o.id,
    externalId: o.externalId,
    memberId: o.memberId,
    channel: o.channel,
    storeId: o.storeId,
    placedAt: o.placedAt.toISOString(),
    total: o.total,
    refundedTotal: o.refundedTotal,
    offerCodes: o.offerCodes,
    lines: items.map((i) => ({
      lineNo: i.lineNo,
      sku: i.sku,
      name: i.name,
      category: i.category,
      quantity: i.quantity,
      unitPrice: i.unitPrice,
      discount: i.discount,
      amount: i.quantity * i.unitPrice - i.discount,
      refundedQuantity: i.refundedQuantity,
    })),
    breakdown: stored
      ? {
          total: stored.total,
          base: stored.base,
          lines: stored.lines,
          tier: stored.tier,
          subscription: stored.subscription,
          events: stored.events,
          earn: stored.earn,
          bonus: stored.bonus,
          cashback: stored.cashback,
        }
      : null,
    offerBonuses,
    points: { earned, reversed, net: earned - reversed },
    credit: { earned: o.creditEarned, reversed: o.creditReversed },
    refunds: refundRows.map((r) => ({
      refundId: r.id,
      externalId: r.externalId,
      amount: r.amount,
      pointsReversed: reversedBy.get(r.id) ?? 0,
      items: r.items,
      createdAt: r.createdAt.toISOString(),
    })),
    entries: entries.map((e) => ({
      id: String(e.id),
      kind: e.kind,
      points: e.points,
      reason: e.reason,
      refundId: e.refundId,
      createdAt: e.createdAt.toISOString(),
    })),
  };
}

/** The externalId of the member's latest order (by placedAt), if any. */
export async function lastOrderExternalId(db: Db, merchantId: string, memberId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ externalId: orders.externalId })
    .from(orders)
    .where(and(eq(orders.merchantId, merchantId), eq(orders.memberId, memberId)))
    .orderBy(desc(orders.placedAt), desc(orders.createdAt))
    .limit(1);
  return row?.externalId;
}
