CREATE TABLE "referral_codes" (
	"code" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"member_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "referral_settings" (
	"merchant_id" text PRIMARY KEY NOT NULL,
	"config" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "referrals" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"referrer_id" text NOT NULL,
	"friend_id" text NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"refusal_reason" text,
	"end_reason" text,
	"welcome_points" integer DEFAULT 0 NOT NULL,
	"reward_points" integer DEFAULT 0 NOT NULL,
	"order_id" text,
	"order_total" bigint,
	"order_placed_at" timestamp with time zone,
	"reward_due_at" timestamp with time zone,
	"rewarded_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "referral_codes_member_uq" ON "referral_codes" USING btree ("merchant_id","member_id");--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_friend_uq" ON "referrals" USING btree ("merchant_id","friend_id") WHERE status <> 'refused';--> statement-breakpoint
CREATE INDEX "referrals_referrer_idx" ON "referrals" USING btree ("merchant_id","referrer_id","created_at");--> statement-breakpoint
CREATE INDEX "referrals_open_idx" ON "referrals" USING btree ("merchant_id","status") WHERE status in ('pending', 'holding');--> statement-breakpoint
CREATE INDEX "referrals_created_idx" ON "referrals" USING btree ("merchant_id","created_at");