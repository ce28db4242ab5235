import { Hono } from "hono";
import { z } from "zod";
import { eq } from "drizzle-orm";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseBody, parseQuery } from "../http/validate.ts";
import { notFound, Problem } from "../http/problem.ts";
import { rewards } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
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
  findReward,
  listRewards,
  memberVouchers,
  redeem,
  rewardView,
  useVoucher,
  voucherByCode,
  voucherView,
} from "./service.ts";

export const rewardRoutes = new Hono<AppEnv>();

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

doc({
  method: "post",
  path: "/v1/rewards",
  tag: "Rewards",
  summary: "Add a reward to the catalog",
  body: CreateRewardSchema,
  responses: { 201: { description: "The reward", schema: RewardView } },
});
rewardRoutes.post("/rewards", async (c) => {
  const input = await parseBody(c, CreateRewardSchema);
  const row = await createReward(c.get("db"), c.get("merchantId"), input, c.get("deps").clock.now());
  return c.json(rewardView(row), 201);
});

const ListRewardsQuery = z.object({ active: z.enum(["true", "false"]).optional() });
doc({
  method: "get",
  path: "/v1/rewards",
  tag: "Rewards",
  summary: "The reward catalog, cheapest first",
  query: ListRewardsQuery,
  responses: { 200: { description: "Rewards", schema: z.object({ rewards: z.array(RewardView) }) } },
});
rewardRoutes.get("/rewards", async (c) => {
  const q = parseQuery(c, ListRewardsQuery);
  const rows = await listRewards(c.get("db"), c.get("merchantId"), q.active === "true");
  return c.json({ rewards: rows.map(rewardView) });
});

doc({
  method: "get",
  path: "/v1/rewards/{id}",
  tag: "Rewards",
  summary: "One reward",
  responses: { 200: { description: "The reward", schema: RewardView }, 404: { description: "reward-not-found" } },
});
rewardRoutes.get("/rewards/:id", async (c) => {
  const r = await findReward(c.get("db"), c.get("merchantId"), c.req.param("id"));
  if (!r) throw notFound("Reward", "reward-not-found");
  return c.json(rewardView(r));
});

doc({
  method: "patch",
  path: "/v1/rewards/{id}",
  tag: "Rewards",
  summary: "Update a reward (stock, cost, active…)",
  body: UpdateRewardSchema,
  responses: { 200: { description: "The reward", schema: RewardView }, 404: { description: "reward-not-found" } },
});
rewardRoutes.patch("/rewards/:id", async (c) => {
  const input = await parseBody(c, UpdateRewardSchema);
  return c.json(rewardView(await updateReward(c.get("db"), c.get("merchantId"), c.req.param("id"), input)));
});

doc({
  method: "post",
  path: "/v1/members/{id}/redemptions",
  tag: "Rewards",
  summary: "Redeem points for a reward; returns a one-time code",
  description:
    "Not enough spendable points → 409 insufficient-points; no stock → 409 out-of-stock; below the reward's minTier → 409 tier-required. Nothing changes on failure.",
  body: RedeemSchema,
  headers: [idempotencyHeader],
  responses: {
    201: { description: "The redemption", schema: RedemptionResult },
    404: { description: "member-not-found / reward-not-found" },
    409: { description: "insufficient-points, out-of-stock, tier-required, idempotency-conflict" },
  },
});
rewardRoutes.post("/members/:id/redemptions", async (c) => {
  const input = await parseBody(c, RedeemSchema);
  const key = idempotencyKey(c.req.header("idempotency-key"));
  const r = await redeem(
    c.get("db"),
    c.get("merchantId"),
    c.req.param("id"),
    input.rewardId,
    c.get("deps").clock.now(),
    key,
  );
  return c.json(r.body, r.status as 201);
});

doc({
  method: "post",
  path: "/v1/members/{id}/adjustments",
  tag: "Members",
  summary: "Manual points adjustment with a reason (staff goodwill, corrections)",
  body: AdjustmentSchema,
  headers: [idempotencyHeader],
  responses: {
    201: { description: "Adjusted", schema: AdjustmentResult },
    404: { description: "member-not-found" },
    409: { description: "insufficient-points (negative adjustment beyond the balance)" },
  },
});
rewardRoutes.post("/members/:id/adjustments", async (c) => {
  const input = await parseBody(c, AdjustmentSchema);
  const key = idempotencyKey(c.req.header("idempotency-key"));
  const r = await adjust(
    c.get("db"),
    c.get("merchantId"),
    c.req.param("id"),
    input.points,
    input.reason,
    c.get("deps").clock.now(),
    key,
  );
  return c.json(r.body, r.status as 201);
});

const VouchersQuery = z.object({
  all: z.enum(["true", "false"]).optional().describe("Include used and expired vouchers"),
});
doc({
  method: "get",
  path: "/v1/members/{id}/vouchers",
  tag: "Rewards",
  summary: "A member's vouchers (open ones by default)",
  query: VouchersQuery,
  responses: { 200: { description: "Vouchers", schema: z.object({ vouchers: z.array(VoucherView) }) } },
});
rewardRoutes.get("/members/:id/vouchers", async (c) => {
  const q = parseQuery(c, VouchersQuery);
  const db = c.get("db");
  const m = await requireMember(db, c.get("merchantId"), c.req.param("id"));
  return c.json({
    vouchers: await memberVouchers(db, c.get("merchantId"), m.id, c.get("deps").clock.now(), q.all !== "true"),
  });
});

doc({
  method: "get",
  path: "/v1/vouchers/{code}",
  tag: "Rewards",
  summary: "Look up a voucher code",
  responses: { 200: { description: "The voucher", schema: VoucherView }, 404: { description: "voucher-not-found" } },
});
rewardRoutes.get("/vouchers/:code", async (c) => {
  const v = await voucherByCode(c.get("db"), c.get("merchantId"), c.req.param("code"));
  if (!v) throw notFound("Voucher", "voucher-not-found");
  return c.json(voucherView(v));
});

doc({
  method: "post",
  path: "/v1/vouchers/{code}/use",
  tag: "Rewards",
  summary: "Mark a voucher used at the till (once)",
  responses: {
    200: { description: "Used now", schema: VoucherView },
    404: { description: "voucher-not-found (also for another merchant's code)" },
    409: { description: "already-used, voucher-expired or voucher-cancelled" },
  },
});
rewardRoutes.post("/vouchers/:code/use", async (c) =>
  c.json(await useVoucher(c.get("db"), c.get("merchantId"), c.req.param("code"), c.get("deps").clock.now())),
);

doc({
  method: "post",
  path: "/v1/redemptions/{id}/cancel",
  tag: "Rewards",
  summary:
    "Cancel (void) a redemption whose voucher was not used: points back with their original expiry, stock restored",
  description:
    "Idempotent by the redemption itself (an Idempotency-Key is accepted but not needed): cancelling again returns 200 with the same figures and changes nothing. The points come back as `adjust` ledger entries whose reason names the redemption, one per lot spent, each keeping that lot's earn date and expiry. The voucher then answers 409 voucher-cancelled.",
  headers: [idempotencyHeader],
  responses: {
    201: { description: "Cancelled now", schema: CancelRedemptionResult },
    200: { description: "Already cancelled (same figures)", schema: CancelRedemptionResult },
    404: { description: "redemption-not-found (also for another merchant's redemption)" },
    409: { description: "voucher-already-used" },
  },
});
rewardRoutes.post("/redemptions/:id/cancel", async (c) => {
  idempotencyKey(c.req.header("idempotency-key")); // validated for consistency; the redemption id is the key
  const r = await cancelRedemption(c.get("db"), c.get("merchantId"), c.req.param("id"), c.get("deps").clock.now());
  return c.json(r.body, r.status as 201);
});
