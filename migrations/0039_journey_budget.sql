ALTER TABLE "journeys" ADD COLUMN "last_budget_check" jsonb;--> statement-breakpoint
ALTER TABLE "journeys" ADD COLUMN "budget_skips" integer DEFAULT 0 NOT NULL;