CREATE TABLE "budget_months" (
	"merchant_id" text NOT NULL,
	"month" text NOT NULL,
	"points" bigint,
	"spend" bigint,
	CONSTRAINT "budget_months_merchant_id_month_pk" PRIMARY KEY("merchant_id","month")
);
--> statement-breakpoint
CREATE TABLE "budget_settings" (
	"merchant_id" text PRIMARY KEY NOT NULL,
	"point_value_amount" bigint,
	"point_value_points" integer,
	"enforcement" text DEFAULT 'warn' NOT NULL,
	"monthly_points" bigint,
	"monthly_spend" bigint,
	"llm_price_per_million_tokens" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
