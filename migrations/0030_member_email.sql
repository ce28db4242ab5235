ALTER TABLE "members" ADD COLUMN "email" text;--> statement-breakpoint
CREATE UNIQUE INDEX "members_email_uq" ON "members" USING btree ("merchant_id","email");