/** Paid membership plans, sold at the POS and recorded here; an active plan adds its multiplier to earning. */
import { Hono } from "hono";
import { z } from "zod";
import { dateTimeInRange, id } from "../lib/validate.ts";
import { and, desc, eq } from "drizzle-orm";
import type { AppEnv } from "../http/env.ts";
import { apiRoutes, listOf, created, ok } from "../http/route.ts";
import { conflict, Problem } from "../http/problem.ts";
import { subscriptions } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import { getProgram } from "../program/service.ts";
import { requireMember } from "./service.ts";
import { isUniqueViolation } from "../db/errors.ts";

export const subscriptionRoutes = new Hono<AppEnv>();
const api = apiRoutes(subscriptionRoutes, "Members");

const CreateSubscription = z.object({
  planId: id(40),
  /** POS receipt id; makes the call idempotent. */
  externalId: z.string().min(1).max(200).optional(),
  startsAt: dateTimeInRange().optional(),
});

const SubscriptionView = z.object({
  id: z.string(),
  plan: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  pricePaid: z.number().int(),
  externalId: z.string().nullable(),
});

const view = (s: typeof subscriptions.$inferSelect) => ({
  id: s.id,
  plan: s.plan,
  startsAt: s.startsAt.toISOString(),
  endsAt: s.endsAt.toISOString(),
  pricePaid: s.pricePaid,
  externalId: s.externalId,
});

api.post(
  "/v1/members/{id}/subscriptions",
  {
    summary: "Record a paid membership purchase (renewals extend the current period)",
    body: CreateSubscription,
    responses: created("The subscription period", SubscriptionView, {
      404: "member-not-found",
      409: "unknown plan or externalId reused",
    }),
  },
  async ({ db, merchantId, now, param, body: input }) => {
    const member = await requireMember(db, merchantId, param("id"));
    const plan = (await getProgram(db, merchantId)).subscriptionPlans.find((p) => p.id === input.planId);
    if (!plan)
      throw new Problem(
        400,
        "validation",
        "Validation failed",
        `No subscription plan "${input.planId}" in the program`,
        [{ path: "planId", message: "unknown plan" }],
      );
    if (input.externalId) {
      const [existing] = await db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.merchantId, merchantId), eq(subscriptions.externalId, input.externalId)));
      if (existing) {
        if (existing.memberId !== member.id || existing.plan !== plan.id)
          throw conflict(
            "idempotency-conflict",
            "Idempotency conflict",
            "externalId already used for another subscription",
          );
        return view(existing);
      }
    }
    const [latest] = await db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.memberId, member.id))
      .orderBy(desc(subscriptions.endsAt))
      .limit(1);
    let startsAt = input.startsAt ? new Date(input.startsAt) : now;
    if (latest && latest.plan === plan.id && latest.endsAt > startsAt) startsAt = latest.endsAt;
    const endsAt = new Date(startsAt.getTime() + plan.periodDays * 86_400_000);
    try {
      const [row] = await db
        .insert(subscriptions)
        .values({
          id: newId("sub"),
          merchantId,
          memberId: member.id,
          plan: plan.id,
          startsAt,
          endsAt,
          pricePaid: plan.price,
          externalId: input.externalId ?? null,
          createdAt: now,
        })
        .returning();
      return view(row!);
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict("idempotency-conflict", "Idempotency conflict", "externalId already used");
      throw err;
    }
  },
);

api.get(
  "/v1/members/{id}/subscriptions",
  {
    summary: "A member's subscription periods",
    responses: ok("Periods", listOf("subscriptions", SubscriptionView)),
  },
  async ({ db, merchantId, param }) => {
    const member = await requireMember(db, merchantId, param("id"));
    const rows = await db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.memberId, member.id))
      .orderBy(desc(subscriptions.startsAt));
    return { subscriptions: rows.map(view) };
  },
);
