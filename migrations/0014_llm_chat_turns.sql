CREATE TABLE "llm_chat_turns" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"channel" text NOT NULL,
	"chat_id" text NOT NULL,
	"member_id" text NOT NULL,
	"user_text" text NOT NULL,
	"reply_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "llm_chat_turns_chat_idx" ON "llm_chat_turns" USING btree ("merchant_id","channel","chat_id","created_at");--> statement-breakpoint
CREATE INDEX "llm_chat_turns_created_idx" ON "llm_chat_turns" USING btree ("created_at");