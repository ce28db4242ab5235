-- Issue 18: every per-member read of orders names the merchant, so orders_member_idx (merchant_id, member_id,
-- placed_at) serves them; the narrower index was one more write per order (docs/benchmarks.md, round 7).
DROP INDEX IF EXISTS "orders_member_placed_idx";