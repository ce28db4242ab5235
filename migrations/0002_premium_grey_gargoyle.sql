CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"name" text NOT NULL,
	"segment_id" text NOT NULL,
	"message" jsonb NOT NULL,
	"offer_id" text,
	"send_at" timestamp with time zone,
	"control_bp" integer DEFAULT 0 NOT NULL,
	"quiet_hours" jsonb,
	"attribution_days" integer DEFAULT 7 NOT NULL,
	"status" text NOT NULL,
	"recipients" integer,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"source" text NOT NULL,
	"source_key" text NOT NULL,
	"campaign_id" text,
	"journey_step" integer,
	"entry_order_id" text,
	"member_id" text NOT NULL,
	"channel" text NOT NULL,
	"chat_id" text NOT NULL,
	"identity_id" bigint,
	"status" text NOT NULL,
	"message" jsonb,
	"text" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"worker" text,
	"sent_at" timestamp with time zone,
	"message_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "delivery_leases" (
	"channel" text PRIMARY KEY NOT NULL,
	"worker" text NOT NULL,
	"lease_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "promo_sends" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"member_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text,
	"delivery_id" bigint,
	"sent_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journeys" (
	"merchant_id" text NOT NULL,
	"kind" text NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"steps" jsonb NOT NULL,
	"attribution_days" integer DEFAULT 7 NOT NULL,
	"last_run_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "journeys_merchant_id_kind_pk" PRIMARY KEY("merchant_id","kind")
);
--> statement-breakpoint
CREATE INDEX "campaigns_merchant_idx" ON "campaigns" USING btree ("merchant_id","created_at");--> statement-breakpoint
CREATE INDEX "campaigns_due_idx" ON "campaigns" USING btree ("status","send_at");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_source_member_uq" ON "deliveries" USING btree ("merchant_id","source_key","member_id");--> statement-breakpoint
CREATE INDEX "deliveries_queue_idx" ON "deliveries" USING btree ("channel","not_before","id") WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX "deliveries_lease_idx" ON "deliveries" USING btree ("lease_until") WHERE status in ('claimed', 'sending');--> statement-breakpoint
CREATE INDEX "deliveries_campaign_idx" ON "deliveries" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "deliveries_journey_idx" ON "deliveries" USING btree ("merchant_id","source","journey_step");--> statement-breakpoint
CREATE INDEX "promo_sends_member_idx" ON "promo_sends" USING btree ("member_id","sent_at");--> statement-breakpoint
CREATE INDEX "promo_sends_delivery_idx" ON "promo_sends" USING btree ("delivery_id");