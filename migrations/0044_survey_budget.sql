ALTER TABLE "surveys" ADD COLUMN "last_budget_check" jsonb;--> statement-breakpoint
ALTER TABLE "surveys" ADD COLUMN "budget_skips" integer DEFAULT 0 NOT NULL;