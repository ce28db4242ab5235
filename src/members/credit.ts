/** Store credit (cashback): spent at the till as part payment, idempotent by Idempotency-Key. */
import { Hono } from "hono";
import { z } from "zod";
import { int8, MAX_MONEY } from "../lib/validate.ts";
import { eq, sql } from "drizzle-orm";
import type { AppEnv } from "../http/env.ts";
import type { Db } from "../db/types.ts";
import { apiRoutes, created } from "../http/route.ts";
import { conflict, notFound } from "../http/problem.ts";
import { idempotent } from "../db/idempotency.ts";
import { canonicalJson, sha256Hex } from "../lib/crypto.ts";
import { creditEntries, members } from "../db/schema.ts";
import { lockMember } from "../ledger/ledger.ts";

export const creditRoutes = new Hono<AppEnv>();
const api = apiRoutes(creditRoutes, "Members");

const SpendCredit = z.object({
  amount: int8(1, MAX_MONEY),
  reason: z.string().max(200).optional(),
  orderExternalId: z.string().max(200).optional(),
});
const CreditResult = z.object({ amount: z.number().int(), creditBalance: z.number().int() });

api.post(
  "/v1/members/{id}/credit-spends",
  {
    summary: "Spend store credit (cashback) at the till",
    body: SpendCredit,
    headers: [{ name: "Idempotency-Key", required: false, description: "Makes the request safe to retry" }],
    responses: created("Spent", CreditResult, { 404: "member-not-found", 409: "insufficient-credit" }),
  },
  async ({ c, db, merchantId, now, param, body: input }) => {
    const memberId = param("id");
    const key = c.req.header("idempotency-key");
    const run = async (tx: Db) => {
      const m = await lockMember(tx, merchantId, memberId);
      if (!m) throw notFound("Member", "member-not-found");
      if (m.creditBalance < input.amount)
        throw conflict("insufficient-credit", "Insufficient credit", `Store credit is ${m.creditBalance}`, {
          creditBalance: m.creditBalance,
        });
      await tx.insert(creditEntries).values({
        merchantId,
        memberId,
        kind: "spend",
        amount: -input.amount,
        reason: input.reason ?? input.orderExternalId ?? null,
        createdAt: now,
      });
      await tx
        .update(members)
        .set({ creditBalance: sql`${members.creditBalance} - ${input.amount}` })
        .where(eq(members.id, memberId));
      return { status: 201, body: { amount: input.amount, creditBalance: m.creditBalance - input.amount } };
    };
    const r = await db.transaction(async (tx) =>
      key
        ? idempotent(
            tx,
            merchantId,
            "POST /v1/members/{id}/credit-spends",
            key,
            await sha256Hex(canonicalJson({ memberId, ...input })),
            () => run(tx),
          )
        : run(tx),
    );
    return c.json(r.body, r.status as 201);
  },
);
