CREATE TABLE "budget_reservations" (
	"merchant_id" text NOT NULL,
	"month" text NOT NULL,
	"source_kind" text NOT NULL,
	"source_id" text NOT NULL,
	"points" bigint NOT NULL,
	"spend" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "budget_reservations_merchant_id_source_kind_source_id_pk" PRIMARY KEY("merchant_id","source_kind","source_id")
);
