/**
 * fast-check: random sequences of orders, refunds, redemptions, redemption cancels, adjustments and expiry keep the
 * ledger invariants.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createMember, memberView, findMember } from "../../src/members/service.ts";
import { createOrder, createRefund, findOrderByExternalId } from "../../src/orders/service.ts";
import { adjust, cancelRedemption, redeem } from "../../src/rewards/service.ts";
import { runExpiry } from "../../src/jobs/expire.ts";
import { putProgram, getProgram } from "../../src/program/service.ts";
import { ProgramSchema } from "../../src/program/config.ts";
import { rewards } from "../../src/db/schema.ts";
import { DomainError } from "../../src/lib/errors.ts";
import { checkInvariants } from "./invariants.ts";

let d: TestDatabase;
beforeAll(async () => {
  d = await openTestDatabase();
});
afterAll(async () => {
  await d.close();
});

type Op =
  | { k: "order"; amount: number; qty: number; daysAgo: number }
  | { k: "refund"; which: number; part: number }
  | { k: "amount"; which: number; permille: number }
  | { k: "redeem"; cost: number }
  | { k: "cancel"; which: number }
  | { k: "adjust"; points: number }
  | { k: "expire"; advance: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant("order" as const),
    amount: fc.integer({ min: 0, max: 500000 }),
    qty: fc.integer({ min: 1, max: 4 }),
    daysAgo: fc.integer({ min: 0, max: 60 }),
  }),
  fc.record({ k: fc.constant("refund" as const), which: fc.nat(), part: fc.integer({ min: 0, max: 4 }) }),
  // An amount refund (shop integrations' amount-only refunds), up to 120 % of the order: past what remains → 409.
  fc.record({ k: fc.constant("amount" as const), which: fc.nat(), permille: fc.integer({ min: 1, max: 1200 }) }),
  fc.record({ k: fc.constant("redeem" as const), cost: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ k: fc.constant("cancel" as const), which: fc.nat() }),
  fc.record({ k: fc.constant("adjust" as const), points: fc.integer({ min: -50, max: 80 }).filter((n) => n !== 0) }),
  fc.record({ k: fc.constant("expire" as const), advance: fc.integer({ min: 0, max: 20 }) }),
);

describe("ledger invariants under random operation sequences", () => {
  it("Σ entries = balance + pending = cached total, Σ lots = max(total, 0), balances never drift", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        fc.boolean(),
        async (ops, withExpiry, withPending) => {
          run++;
          const db = d.db;
          let now = new Date("2026-06-01T00:00:00Z").getTime();
          const { merchantId } = await createMerchant(db, { name: `prop ${run}` });
          await putProgram(
            db,
            merchantId,
            ProgramSchema.parse({
              pointsExpireDays: withExpiry ? 30 : null,
              pendingDays: withPending ? 7 : 0,
              tiers: [{ name: "T", minSpend: 0, multiplier: 1.1 }],
              categoryMultipliers: { c: 1.15 },
            }),
            new Date(now),
          );
          const member = await createMember(db, merchantId, { phone: "0912345678" }, new Date(now));
          const orders: { id: string; qty: number; total: number }[] = [];
          const rewardIds = new Map<number, string>();
          const redemptionIds: { id: string; cost: number }[] = [];
          const cancelled = new Set<string>();
          const total = async () => (await findMember(db, merchantId, member.id))!.pointsTotal;
          let n = 0;
          for (const o of ops) {
            n++;
            try {
              if (o.k === "order") {
                const ext = `o${n}`;
                await createOrder(
                  db,
                  merchantId,
                  {
                    externalId: ext,
                    memberId: member.id,
                    channel: "pos",
                    placedAt: new Date(now - o.daysAgo * 86_400_000).toISOString(),
                    items: [{ sku: "S", category: "c", quantity: o.qty, unitPrice: o.amount, discount: 0 }],
                  },
                  new Date(now),
                );
                orders.push({ id: ext, qty: o.qty, total: o.amount * o.qty });
              } else if (o.k === "refund" && orders.length > 0) {
                const target = orders[o.which % orders.length]!;
                await createRefund(
                  db,
                  merchantId,
                  target.id,
                  {
                    externalId: `r${n}`,
                    ...(o.part > 0 ? { items: [{ sku: "S", quantity: Math.min(o.part, target.qty) }] } : {}),
                  },
                  new Date(now),
                );
              } else if (o.k === "amount" && orders.length > 0) {
                const target = orders[o.which % orders.length]!;
                const amount = Math.floor((target.total * o.permille) / 1000);
                if (amount > 0)
                  await createRefund(db, merchantId, target.id, { externalId: `a${n}`, amount }, new Date(now));
              } else if (o.k === "redeem") {
                let rid = rewardIds.get(o.cost);
                if (!rid) {
                  rid = `rwd_p${run}_${o.cost}`;
                  await db
                    .insert(rewards)
                    .values({ id: rid, merchantId, name: `R${o.cost}`, cost: o.cost, kind: "perk" });
                  rewardIds.set(o.cost, rid);
                }
                const r = await redeem(db, merchantId, member.id, rid, new Date(now), `k${n}`);
                redemptionIds.push({ id: r.body.redemptionId, cost: o.cost });
              } else if (o.k === "cancel" && redemptionIds.length > 0) {
                // The first cancel gives the points back; cancelling again (the index repeats) changes nothing.
                const target = redemptionIds[o.which % redemptionIds.length]!;
                const before = await total();
                await cancelRedemption(db, merchantId, target.id, new Date(now));
                expect(await total()).toBe(before + (cancelled.has(target.id) ? 0 : target.cost));
                cancelled.add(target.id);
              } else if (o.k === "adjust") {
                await adjust(db, merchantId, member.id, o.points, "prop", new Date(now));
              } else if (o.k === "expire") {
                now += o.advance * 86_400_000;
                await runExpiry(db, merchantId, new Date(now));
              }
            } catch (err) {
              // Refused operations (409s) are fine; they must change nothing, which the invariants check.
              if (!(err instanceof DomainError) || err.kind !== "conflict") throw err;
            }
            expect(await checkInvariants(db, merchantId)).toEqual([]);
            // Line and amount refunds mixed on one order never take back more money or points than it had.
            for (const { id } of orders) {
              const row = (await findOrderByExternalId(db, merchantId, id))!;
              expect(row.refundedTotal).toBeLessThanOrEqual(row.total);
              expect(row.pointsReversed).toBeLessThanOrEqual(row.pointsEarned);
            }
          }
          const m = (await findMember(db, merchantId, member.id))!;
          const view = await memberView(db, await getProgram(db, merchantId), m, new Date(now));
          expect(view.points.balance + view.points.pending).toBe(view.points.total);
          if (view.points.total >= 0) expect(view.points.balance).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});
