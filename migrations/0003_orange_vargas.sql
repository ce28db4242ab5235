CREATE TABLE "offer_bundles" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"name" text NOT NULL,
	"skus" text[] NOT NULL,
	"price" bigint,
	"discount_percent" integer DEFAULT 0 NOT NULL,
	"bonus_points" integer DEFAULT 0 NOT NULL,
	"min_tier" text,
	"active" boolean DEFAULT true NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offer_claims" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"member_id" text NOT NULL,
	"offer_id" text NOT NULL,
	"code" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"order_id" text,
	"redeemed_at" timestamp with time zone,
	"points_credited" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offers" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"member_id" text NOT NULL,
	"kind" text NOT NULL,
	"basis" text NOT NULL,
	"sku" text,
	"skus" text[] NOT NULL,
	"bundle_id" text,
	"reward_id" text,
	"trigger_order_id" text,
	"model_id" text,
	"model_version" integer,
	"rule" jsonb,
	"score" double precision NOT NULL,
	"rank" integer NOT NULL,
	"price" bigint,
	"member_price" bigint,
	"discount_percent" integer,
	"bonus_points" integer DEFAULT 0 NOT NULL,
	"facts" jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"origin" text DEFAULT 'engine' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"pushed_at" timestamp with time zone,
	"converted_order_id" text,
	"converted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "product_variants" (
	"merchant_id" text NOT NULL,
	"sku" text NOT NULL,
	"variant_sku" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_variants_merchant_id_sku_variant_sku_pk" PRIMARY KEY("merchant_id","sku","variant_sku")
);
--> statement-breakpoint
CREATE TABLE "recs_items" (
	"model_id" text NOT NULL,
	"sku" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "recs_items_model_id_sku_pk" PRIMARY KEY("model_id","sku")
);
--> statement-breakpoint
CREATE TABLE "recs_models" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"version" integer NOT NULL,
	"built_at" timestamp with time zone NOT NULL,
	"n_transactions" integer NOT NULL,
	"params" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recs_rules" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"lhs" text[] NOT NULL,
	"rhs" text NOT NULL,
	"count" integer NOT NULL,
	"support" double precision NOT NULL,
	"confidence" double precision NOT NULL,
	"lift" double precision NOT NULL
);
--> statement-breakpoint
CREATE INDEX "offer_bundles_merchant_idx" ON "offer_bundles" USING btree ("merchant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "offer_claims_offer_uq" ON "offer_claims" USING btree ("offer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "offer_claims_code_uq" ON "offer_claims" USING btree ("merchant_id","code");--> statement-breakpoint
CREATE INDEX "offer_claims_member_idx" ON "offer_claims" USING btree ("member_id");--> statement-breakpoint
CREATE INDEX "offers_member_active_idx" ON "offers" USING btree ("member_id","status","expires_at");--> statement-breakpoint
CREATE INDEX "offers_member_created_idx" ON "offers" USING btree ("member_id","created_at");--> statement-breakpoint
CREATE INDEX "offers_merchant_idx" ON "offers" USING btree ("merchant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "recs_models_version_uq" ON "recs_models" USING btree ("merchant_id","version");--> statement-breakpoint
CREATE INDEX "recs_rules_lhs_idx" ON "recs_rules" USING btree ("model_id","lhs");