import { z } from "zod";
import {
  apiGroup,
  found,
  listOf,
  created,
  ok,
  createdOrOk,
  type JsonBody,
  type RouteCall,
  type RouteSpec,
} from "../http/route.ts";
import { Problem } from "../http/problem.ts";
import { requireMember } from "../members/service.ts";
import {
  AdjustmentResult,
  AdjustmentSchema,
  CancelRedemptionResult,
  CreateRewardSchema,
  RedeemSchema,
  RedemptionResult,
  RewardView,
  UpdateRewardSchema,
  VoucherView,
} from "./schemas.ts";
import {
  adjust,
  createReward,
  updateReward,
  cancelRedemption,
  requireReward,
  listRewards,
  memberVouchers,
  redeem,
  rewardView,
  useVoucher,
  requireVoucher,
  voucherView,
} from "./service.ts";

const api = apiGroup("Rewards");

const idempotencyHeader = {
  name: "Idempotency-Key",
  required: false,
  description: "Makes the request safe to retry: a replay returns the first response",
};

function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = header.trim();
  if (key.length === 0 || key.length > 200)
    throw new Problem(400, "validation", "Validation failed", "Idempotency-Key must be 1–200 characters", [
      { path: "headers.Idempotency-Key", message: "must be 1–200 characters" },
    ]);
  return key;
}

/**
 * A POST that a retry may repeat, documented with the Idempotency-Key header: `run` gets the call and the request's
 * key (checked) and returns the status and body to send (201 when made now; on a replay, the first answer again).
 */
function replayablePost<P extends string, B extends z.ZodType | undefined = undefined>(
  path: P,
  spec: Omit<RouteSpec<B, undefined>, "headers">,
  run: (call: RouteCall<P, B, undefined>, key: string | undefined) => Promise<{ status: number; body: JsonBody }>,
): void {
  api.post(path, { ...spec, headers: [idempotencyHeader] }, async (call) => {
    const r = await run(call, idempotencyKey(call.c.req.header("idempotency-key")));
    return call.c.json(r.body, r.status as 201);
  });
}

api.post(
  "/v1/rewards",
  {
    summary: "Add a reward to the catalog",
    body: CreateRewardSchema,
    responses: created("The reward", RewardView),
  },
  async ({ db, merchantId, now, body: input }) => {
    const row = await createReward(db, merchantId, input, now);
    return rewardView(row);
  },
);

const ListRewardsQuery = z.object({ active: z.enum(["true", "false"]).optional() });
api.get(
  "/v1/rewards",
  {
    summary: "The reward catalog, cheapest first",
    query: ListRewardsQuery,
    responses: ok("Rewards", listOf("rewards", RewardView)),
  },
  async ({ db, merchantId, query: q }) => {
    const rows = await listRewards(db, merchantId, q.active === "true");
    return { rewards: rows.map(rewardView) };
  },
);

api.get(
  "/v1/rewards/{id}",
  {
    summary: "One reward",
    responses: found("The reward", RewardView, "reward-not-found"),
  },
  async ({ db, merchantId, param }) => rewardView(await requireReward(db, merchantId, param("id"))),
);

api.patch(
  "/v1/rewards/{id}",
  {
    summary: "Update a reward (stock, cost, active…)",
    body: UpdateRewardSchema,
    responses: found("The reward", RewardView, "reward-not-found"),
  },
  async ({ db, merchantId, param, body: input }) => rewardView(await updateReward(db, merchantId, param("id"), input)),
);

replayablePost(
  "/v1/members/{id}/redemptions",
  {
    summary: "Redeem points for a reward; returns a one-time code",
    description:
      "Not enough spendable points → 409 insufficient-points; no stock → 409 out-of-stock; below the reward's minTier → 409 tier-required. Nothing changes on failure.",
    body: RedeemSchema,
    responses: created("The redemption", RedemptionResult, {
      404: "member-not-found / reward-not-found",
      409: "insufficient-points, out-of-stock, tier-required, idempotency-conflict",
    }),
  },
  ({ db, merchantId, now, param, body: input }, key) => redeem(db, merchantId, param("id"), input.rewardId, now, key),
);

replayablePost(
  "/v1/members/{id}/adjustments",
  {
    tag: "Members",
    summary: "Manual points adjustment with a reason (staff goodwill, corrections)",
    body: AdjustmentSchema,
    responses: created("Adjusted", AdjustmentResult, {
      404: "member-not-found",
      409: "insufficient-points (negative adjustment beyond the balance)",
    }),
  },
  ({ db, merchantId, now, param, body: input }, key) =>
    adjust(db, merchantId, param("id"), input.points, input.reason, now, key),
);

const VouchersQuery = z.object({
  all: z.enum(["true", "false"]).optional().describe("Include used and expired vouchers"),
});
api.get(
  "/v1/members/{id}/vouchers",
  {
    summary: "A member's vouchers (open ones by default)",
    query: VouchersQuery,
    responses: ok("Vouchers", listOf("vouchers", VoucherView)),
  },
  async ({ db, merchantId, now, param, query: q }) => {
    const m = await requireMember(db, merchantId, param("id"));
    return {
      vouchers: await memberVouchers(db, merchantId, m.id, now, q.all !== "true"),
    };
  },
);

api.get(
  "/v1/vouchers/{code}",
  {
    summary: "Look up a voucher code",
    responses: found("The voucher", VoucherView, "voucher-not-found"),
  },
  async ({ db, merchantId, param }) => voucherView(await requireVoucher(db, merchantId, param("code"))),
);

api.post(
  "/v1/vouchers/{code}/use",
  {
    summary: "Mark a voucher used at the till (once)",
    responses: ok("Used now", VoucherView, {
      404: "voucher-not-found (also for another merchant's code)",
      409: "already-used, voucher-expired or voucher-cancelled",
    }),
  },
  ({ db, merchantId, now, param }) => useVoucher(db, merchantId, param("code"), now),
);

replayablePost(
  "/v1/redemptions/{id}/cancel",
  {
    summary:
      "Cancel (void) a redemption whose voucher was not used: points back with their original expiry, stock restored",
    description:
      "Idempotent by the redemption itself (an Idempotency-Key is accepted but not needed): cancelling again returns 200 with the same figures and changes nothing. The points come back as `adjust` ledger entries whose reason names the redemption, one per lot spent, each keeping that lot's earn date and expiry. The voucher then answers 409 voucher-cancelled.",
    responses: createdOrOk(
      CancelRedemptionResult,
      { 201: "Cancelled now", 200: "Already cancelled (same figures)" },
      { 404: "redemption-not-found (also for another merchant's redemption)", 409: "voucher-already-used" },
    ),
  },
  // The key is checked for consistency only: the redemption id is the key.
  ({ db, merchantId, now, param }) => cancelRedemption(db, merchantId, param("id"), now),
);

export const rewardRoutes = api.app;
