CREATE TABLE "survey_responses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"survey_id" text NOT NULL,
	"member_id" text NOT NULL,
	"via" text NOT NULL,
	"order_id" text,
	"status" text NOT NULL,
	"step" integer DEFAULT 0 NOT NULL,
	"answers" jsonb NOT NULL,
	"points_awarded" integer DEFAULT 0 NOT NULL,
	"invited_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "surveys" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"name" text NOT NULL,
	"intro" jsonb,
	"questions" jsonb NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"segment_id" text,
	"after_order" jsonb,
	"after_order_since" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"recipients" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "survey_responses_member_uq" ON "survey_responses" USING btree ("merchant_id","survey_id","member_id");--> statement-breakpoint
CREATE INDEX "survey_responses_member_idx" ON "survey_responses" USING btree ("merchant_id","member_id","updated_at");--> statement-breakpoint
CREATE INDEX "surveys_merchant_idx" ON "surveys" USING btree ("merchant_id","created_at");