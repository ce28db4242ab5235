CREATE TABLE "integration_connections" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"platform" text NOT NULL,
	"name" text,
	"shop" text,
	"id_prefix" text NOT NULL,
	"secret_sealed" text NOT NULL,
	"credentials_sealed" text,
	"enrol_unknown_customers" boolean DEFAULT true NOT NULL,
	"tax" text DEFAULT 'as-priced' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "integration_cursors" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"cursor" text,
	"polled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "integration_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"merchant_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"topic" text,
	"webhook_id" text,
	"object_id" text,
	"outcome" text NOT NULL,
	"reason" text,
	"external_id" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"body" text,
	"replayed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "integration_connections_merchant_idx" ON "integration_connections" USING btree ("merchant_id","platform");--> statement-breakpoint
CREATE INDEX "integration_deliveries_conn_idx" ON "integration_deliveries" USING btree ("connection_id","seq");