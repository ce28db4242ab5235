/** Tier arithmetic (pure): which tier a net spend qualifies for, upgrades now, downgrades only at evaluation. */
import { sortedTiers, type Program, type Tier } from "./config.ts";

/** Highest tier whose minSpend ≤ netSpend; undefined when none qualifies. */
export function qualifyingTier(p: Program, netSpend: number): Tier | undefined {
  let best: Tier | undefined;
  for (const t of sortedTiers(p)) if (t.minSpend <= netSpend) best = t;
  return best;
}

export function tierRank(p: Program, name: string | null | undefined): number {
  if (!name) return -1;
  return sortedTiers(p).findIndex((t) => t.name === name);
}

/** The tier in force: the stored one unless spend now qualifies for a higher one (upgrades are immediate). */
export function effectiveTier(p: Program, storedName: string | null | undefined, netSpend: number): Tier | undefined {
  const q = qualifyingTier(p, netSpend);
  const storedRank = tierRank(p, storedName);
  const qRank = q ? tierRank(p, q.name) : -1;
  if (storedRank > qRank) return sortedTiers(p)[storedRank];
  return q;
}

/** The next tier above `current` and the spend still needed for it. */
export function nextTierProgress(
  p: Program,
  currentName: string | undefined,
  netSpend: number,
): { next: Tier; spendNeeded: number } | undefined {
  const tiers = sortedTiers(p);
  const rank = currentName ? tiers.findIndex((t) => t.name === currentName) : -1;
  const next = tiers[rank + 1];
  if (!next) return undefined;
  return { next, spendNeeded: Math.max(0, next.minSpend - netSpend) };
}

/**
 * Periodic evaluation — the only place a tier goes down (the contract): a member keeps a tier for
 * `tierRetentionDays` after reaching it; after that the tier follows the qualifying spend (down as well as up).
 * Retention protects spend that aged out of the window, not spend that was refunded: when the window's spend
 * before its refunds (`refunded`) still qualifies for the stored tier and the net spend does not, the tier drops now
 * (buy Gold, refund, keep Gold is not possible). Returns the tier to store and whether it changed.
 */
export function evaluateTier(
  p: Program,
  storedName: string | null | undefined,
  tierSince: Date | null | undefined,
  netSpend: number,
  now: Date,
  refunded = 0,
): { tier: Tier | undefined; changed: boolean; since: "keep" | "now" } {
  const q = qualifyingTier(p, netSpend);
  const storedRank = tierRank(p, storedName);
  const qRank = q ? tierRank(p, q.name) : -1;
  if (qRank > storedRank) return { tier: q, changed: true, since: "now" };
  if (qRank === storedRank) return { tier: q, changed: false, since: "keep" };
  const retentionMs = p.tierRetentionDays * 86_400_000;
  const heldLongEnough = !tierSince || now.getTime() - tierSince.getTime() >= retentionMs;
  const beforeRefunds = qualifyingTier(p, netSpend + Math.max(0, refunded));
  const lostToRefunds = beforeRefunds !== undefined && tierRank(p, beforeRefunds.name) >= storedRank;
  if (storedRank >= 0 && !heldLongEnough && !lostToRefunds)
    return { tier: sortedTiers(p)[storedRank], changed: false, since: "keep" };
  // A tier name no longer in the program also resets to the qualifying tier.
  return { tier: q, changed: true, since: "now" };
}
