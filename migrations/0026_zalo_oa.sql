CREATE TABLE "zalo_oa_interactions" (
	"oa_id" text NOT NULL,
	"user_id" text NOT NULL,
	"last_user_at" timestamp with time zone NOT NULL,
	"replies" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "zalo_oa_interactions_oa_id_user_id_pk" PRIMARY KEY("oa_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "zalo_oa_proactive_usage" (
	"oa_id" text NOT NULL,
	"month" text NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "zalo_oa_proactive_usage_oa_id_month_pk" PRIMARY KEY("oa_id","month")
);
--> statement-breakpoint
CREATE TABLE "zalo_oa_tokens" (
	"oa_id" text PRIMARY KEY NOT NULL,
	"access_token" text NOT NULL,
	"refresh_token" text NOT NULL,
	"access_expires_at" timestamp with time zone,
	"refreshes" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
