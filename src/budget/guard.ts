/**
 * The program budget's send guard (src/campaigns/guard.ts), injected by the runtime: before a campaign starts, when
 * the journey is activated, before each journey pass and before a survey's after-order invitations or its send to its segment, its estimated cost is checked against the month's remaining budgets. Over them it
 * warns (the response carries `budget`) or, when the merchant chose to block, refuses with 409 over-budget.
 * The check is a reservation: it runs under a per-merchant advisory lock in the caller's transaction, counts the
 * estimates of campaigns still sending, and records the started campaign's own, so two starts at the same moment
 * cannot both pass a budget that fits only one.
 */
import type { SendGuard, SendWarning } from "../campaigns/guard.ts";
import { sql } from "drizzle-orm";
import { conflict } from "../lib/errors.ts";
import { budgetLine, exceeded } from "./arithmetic.ts";
import { reservedThisMonth } from "./reservations.ts";
import { budgetReservations } from "./tables.ts";
import {
  estimateCampaignCost,
  estimateJourneyCost,
  estimateSurveyCost,
  getBudgetSettings,
  type BudgetEstimate,
} from "./service.ts";

/** The estimate in words (English, like every problem detail). */
export function overBudgetDetail(
  e: BudgetEstimate,
  surveyVia?: "segment",
  held: { points: number; spend: number } = { points: 0, spend: 0 },
): string {
  const what =
    e.kind === "campaign"
      ? `Campaign ${e.id}`
      : e.kind === "survey"
        ? `Survey ${e.id}'s ${surveyVia === "segment" ? "send to its segment" : "after-order invitations"}`
        : "The reactivation journey";
  // What campaigns still sending and messages still queued hold is not left, though not used yet either.
  const left = (line: BudgetEstimate["points"], h: number) =>
    line.remaining === null ? null : Math.max(0, line.remaining - h);
  const heldBy = (h: number, unit: string) =>
    h > 0 ? ` (${h}${unit} held by campaigns sending and messages queued)` : "";
  const parts = e.over.map((o) =>
    o === "points"
      ? `${e.bonusPoints} ${e.kind === "survey" ? "completion" : "bonus"} points with ${left(e.points, held.points)} of the ${e.points.budget} points budget left${heldBy(held.points, " points")}`
      : `${e.messageCost} spent on ${e.messages} ZNS messages with ${left(e.spend, held.spend)} of the ${e.spend.budget} spend budget left${heldBy(held.spend, "")}`,
  );
  return `${what} would exceed the ${e.month} budget: ${parts.join("; ")} (estimated cost ${e.cost}).`;
}

export const budgetSendGuard: SendGuard = async (db, merchantId, target, now) => {
  const s = await getBudgetSettings(db, merchantId);
  if (s.monthly.points === null && s.monthly.spend === null && s.months.length === 0) return undefined;
  // Serialises the merchant's checks until the caller's transaction ends (and with it the reservation is visible).
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`budget:${merchantId}`}))`);
  const estimate =
    target.kind === "campaign"
      ? await estimateCampaignCost(db, merchantId, target.id, now, s)
      : target.kind === "survey"
        ? await estimateSurveyCost(db, merchantId, target, now, s)
        : await estimateJourneyCost(db, merchantId, target.steps, now, s, target.pass);
  const held = await reservedThisMonth(db, merchantId, estimate.month, {
    pricePerMessage: estimate.pricePerMessage,
    exceptId: target.kind === "campaign" ? target.id : null,
  });
  const e = {
    ...estimate,
    over: exceeded(
      estimate,
      budgetLine(estimate.points.budget, estimate.points.used + held.points),
      budgetLine(estimate.spend.budget, estimate.spend.used + held.spend),
    ),
  };
  if (target.kind === "campaign" && !(e.over.length > 0 && e.enforcement === "block")) {
    const row = {
      month: e.month,
      points: e.bonusPoints,
      spend: e.messageCost,
      createdAt: now,
    };
    await db
      .insert(budgetReservations)
      .values({ merchantId, sourceKind: "campaign", sourceId: target.id, ...row })
      .onConflictDoUpdate({
        target: [budgetReservations.merchantId, budgetReservations.sourceKind, budgetReservations.sourceId],
        set: row,
      });
  }
  if (e.over.length === 0) return undefined;
  const detail = overBudgetDetail(e, target.kind === "survey" ? target.via : undefined, held);
  if (e.enforcement === "block") throw conflict("over-budget", "Over budget", detail, { estimate: e });
  const warning: SendWarning = { code: "over-budget", detail, over: e.over, cost: e.cost };
  return warning;
};
