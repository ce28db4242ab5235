/**
 * What a member has besides points (issue 13 defect 8): store credit, the active subscription and the perks of
 * their tier and plan — shown in chat /points, the member view, the simulator and Zalo.
 */
import { and, desc, eq, gt, lte } from "drizzle-orm";
import { subscriptions } from "../db/schema.ts";
import type { Db } from "../db/types.ts";
import type { Program } from "../program/config.ts";

export interface MemberPerks {
  credit: number;
  subscription: { plan: string; name: string; endsAt: Date } | null;
  /** The tier's perks, then the plan's (merchant text, as written). */
  perks: string[];
}

export function perksOf(program: Program, tierName: string | null | undefined, planId: string | null): string[] {
  const tier = program.tiers.find((t) => t.name === tierName);
  const plan = planId ? program.subscriptionPlans.find((p) => p.id === planId) : undefined;
  return [...(tier?.perks ?? []), ...(plan?.perks ?? [])];
}

export async function memberPerks(
  db: Db,
  program: Program,
  m: { id: string; creditBalance: number },
  tierName: string | null | undefined,
  now: Date,
): Promise<MemberPerks> {
  // No plans in the program, no subscription to show: skip the read (chat /points stays one statement).
  const [sub] =
    program.subscriptionPlans.length === 0
      ? []
      : await db
          .select({ plan: subscriptions.plan, endsAt: subscriptions.endsAt })
          .from(subscriptions)
          .where(and(eq(subscriptions.memberId, m.id), lte(subscriptions.startsAt, now), gt(subscriptions.endsAt, now)))
          .orderBy(desc(subscriptions.endsAt))
          .limit(1);
  const plan = sub ? program.subscriptionPlans.find((p) => p.id === sub.plan) : undefined;
  return {
    credit: m.creditBalance,
    subscription: sub ? { plan: sub.plan, name: plan?.name ?? sub.plan, endsAt: sub.endsAt } : null,
    perks: perksOf(program, tierName, sub?.plan ?? null),
  };
}
