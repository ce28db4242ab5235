CREATE TABLE "llm_phrasings" (
	"merchant_id" text NOT NULL,
	"key" text NOT NULL,
	"lang" text NOT NULL,
	"tier" text,
	"text" text NOT NULL,
	"model" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "llm_phrasings_merchant_id_key_pk" PRIMARY KEY("merchant_id","key")
);
--> statement-breakpoint
CREATE TABLE "llm_usage" (
	"merchant_id" text NOT NULL,
	"day" date NOT NULL,
	"member_id" text DEFAULT '' NOT NULL,
	"task" text NOT NULL,
	"calls" integer DEFAULT 0 NOT NULL,
	"model_replies" integer DEFAULT 0 NOT NULL,
	"fallbacks" integer DEFAULT 0 NOT NULL,
	"cache_hits" integer DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "llm_usage_merchant_id_day_member_id_task_pk" PRIMARY KEY("merchant_id","day","member_id","task")
);
--> statement-breakpoint
CREATE INDEX "llm_phrasings_created_idx" ON "llm_phrasings" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "llm_usage_merchant_day_idx" ON "llm_usage" USING btree ("merchant_id","day");