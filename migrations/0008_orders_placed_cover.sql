DROP INDEX "orders_placed_idx";--> statement-breakpoint
CREATE INDEX "orders_placed_cover_idx" ON "orders" USING btree ("merchant_id","placed_at","member_id","channel","total","refunded_total");