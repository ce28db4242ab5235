CREATE TABLE "zns_receipts" (
	"delivery_id" bigint PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"msg_id" text,
	"delivered_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zns_templates" (
	"merchant_id" text NOT NULL,
	"template_id" text NOT NULL,
	"name" text NOT NULL,
	"tag" text NOT NULL,
	"params" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "zns_templates_merchant_id_template_id_pk" PRIMARY KEY("merchant_id","template_id")
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "channel" text DEFAULT 'auto' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "zns_template_id" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "zns_offer" jsonb;--> statement-breakpoint
CREATE INDEX "zns_receipts_merchant_idx" ON "zns_receipts" USING btree ("merchant_id","delivered_at");