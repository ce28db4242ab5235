/**
 * "Why did I get N points?": a member's order (the one named, else the latest) itemised from its stored breakdown.
 * The chat template and the assistant's tool answer from these same facts, never recomputed.
 */
import type { Db } from "../db/types.ts";
import { DomainError } from "../lib/errors.ts";
import { lastOrderExternalId, readOrder, type OrderViewT } from "./read.ts";
import { whyOf, type WhyItem } from "./why.ts";

export interface OrderPointsExplanation {
  externalId: string;
  total: number;
  /** Σ the order's earn and bonus entries. */
  earned: number;
  base: number;
  earn: number;
  /** The multipliers that applied (lines, tier, plan); bonus events are listed in `events`. */
  why: WhyItem[];
  bonus: number;
  events: string[];
  offerBonuses: { code: string; points: number }[];
  reversed: number;
  cashback: number;
}

/** Undefined when the member has no such order (another member's order is as unknown as a missing one). */
export async function explainOrderPoints(
  db: Db,
  merchantId: string,
  memberId: string,
  externalId: string | undefined,
): Promise<OrderPointsExplanation | undefined> {
  const id = externalId ?? (await lastOrderExternalId(db, merchantId, memberId));
  if (!id) return undefined;
  let o: OrderViewT;
  try {
    o = await readOrder(db, merchantId, id);
  } catch (e) {
    if (e instanceof DomainError && e.kind === "not-found") return undefined;
    throw e;
  }
  if (o.memberId !== memberId) return undefined;
  const names = new Map(o.lines.map((l) => [l.sku, l.category ?? l.name ?? l.sku]));
  for (const l of o.breakdown?.lines ?? [])
    if (l.source === "product") names.set(l.sku, o.lines.find((x) => x.sku === l.sku)?.name ?? l.sku);
  return {
    externalId: o.externalId,
    total: o.total,
    earned: o.points.earned,
    base: o.breakdown?.base ?? 0,
    earn: o.breakdown?.earn ?? 0,
    why: o.breakdown ? whyOf(o.breakdown, names).filter((w) => w.kind !== "event") : [],
    bonus: o.breakdown?.bonus ?? 0,
    events: o.breakdown?.events.map((e) => e.name) ?? [],
    offerBonuses: o.offerBonuses.map((b) => ({ code: b.code, points: b.points })),
    reversed: o.points.reversed,
    cashback: o.credit.earned,
  };
}
