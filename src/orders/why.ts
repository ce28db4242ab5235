/**
 * What each ledger entry was for, in a few words (chat /history, the LLM history tool): the order (externalId,
 * amount) and the multipliers its stored breakdown applied — read from the entry, never recomputed.
 */
import { and, eq, inArray } from "drizzle-orm";
import { orderItems, orders } from "../db/schema.ts";
import type { Db } from "../db/types.ts";
import type { EarnBreakdown } from "../ledger/earn.ts";

/** One reason a multiplier applied: a line's category/product, the tier, the subscription plan, a bonus event. */
export interface WhyItem {
  kind: "line" | "tier" | "plan" | "event";
  label: string;
  multiplier: number;
}

export interface EntryPurpose {
  order?: { externalId: string; total: number };
  why: WhyItem[];
  /** The claim code of an add-on offer bonus. */
  offerCode?: string;
}

interface EntryLike {
  kind: string;
  orderId: string | null;
  breakdown: Record<string, unknown> | null;
}

/** The multipliers of a stored earn breakdown, in words (labels: category, else product name, else sku). */
export function whyOf(b: EarnBreakdown, names: Map<string, string>): WhyItem[] {
  const out: WhyItem[] = [];
  const seen = new Set<string>();
  for (const l of b.lines) {
    if (l.multiplier === 1 || l.source === "none") continue;
    const label = names.get(l.sku) ?? l.sku;
    const key = `${label}|${l.multiplier}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: "line", label, multiplier: l.multiplier });
  }
  if (b.tier && b.tier.multiplier !== 1) out.push({ kind: "tier", label: b.tier.name, multiplier: b.tier.multiplier });
  if (b.subscription && b.subscription.multiplier !== 1)
    out.push({ kind: "plan", label: b.subscription.plan, multiplier: b.subscription.multiplier });
  for (const e of b.events ?? []) out.push({ kind: "event", label: e.name, multiplier: e.multiplier });
  return out;
}

export async function entryPurposes(db: Db, merchantId: string, entries: EntryLike[]): Promise<EntryPurpose[]> {
  const ids = [...new Set(entries.map((e) => e.orderId).filter((x): x is string => x !== null))];
  const orderRows = ids.length
    ? await db
        .select({ id: orders.id, externalId: orders.externalId, total: orders.total })
        .from(orders)
        .where(and(eq(orders.merchantId, merchantId), inArray(orders.id, ids)))
    : [];
  const itemRows = ids.length
    ? await db
        .select({
          orderId: orderItems.orderId,
          sku: orderItems.sku,
          name: orderItems.name,
          category: orderItems.category,
        })
        .from(orderItems)
        .where(and(eq(orderItems.merchantId, merchantId), inArray(orderItems.orderId, ids)))
    : [];
  const byOrder = new Map(orderRows.map((o) => [o.id, o]));
  return entries.map((e) => {
    const o = e.orderId ? byOrder.get(e.orderId) : undefined;
    const out: EntryPurpose = { why: [] };
    if (o) out.order = { externalId: o.externalId, total: o.total };
    const b = e.breakdown;
    if (e.kind === "earn" && isEarnBreakdown(b)) {
      const names = new Map<string, string>();
      for (const i of itemRows)
        if (i.orderId === e.orderId)
          names.set(
            i.sku,
            b.lines.find((l) => l.sku === i.sku)?.source === "category" ? (i.category ?? i.sku) : (i.name ?? i.sku),
          );
      out.why = whyOf(b, names);
    } else if (e.kind === "bonus" && b) {
      if (typeof b.code === "string") out.offerCode = b.code;
      else if (Array.isArray(b.events))
        out.why = (b.events as { name: string; multiplier: number }[]).map((x) => ({
          kind: "event",
          label: x.name,
          multiplier: x.multiplier,
        }));
    }
    return out;
  });
}

/** An earn entry's stored breakdown (jsonb) is the EarnBreakdown the order path wrote: checked by its shape. */
function isEarnBreakdown(b: unknown): b is EarnBreakdown {
  if (typeof b !== "object" || b === null) return false;
  const r = b as Record<string, unknown>;
  return Array.isArray(r.lines) && typeof r.total === "number" && typeof r.base === "number";
}
