CREATE TABLE "card_code_uses" (
	"code" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"member_id" text NOT NULL,
	"used_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "card_code_uses_expires_idx" ON "card_code_uses" USING btree ("expires_at");