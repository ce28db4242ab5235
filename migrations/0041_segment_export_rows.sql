CREATE TABLE "segment_export_rows" (
	"export_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"member_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segment_export_rows_merchant_id_export_id_member_id_pk" PRIMARY KEY("merchant_id","export_id","member_id")
);
--> statement-breakpoint
CREATE INDEX "segment_export_rows_created_idx" ON "segment_export_rows" USING btree ("merchant_id","created_at");