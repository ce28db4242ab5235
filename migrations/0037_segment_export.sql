CREATE TABLE "segment_versions" (
	"merchant_id" text NOT NULL,
	"segment_id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"rule" jsonb NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segment_versions_merchant_id_segment_id_version_pk" PRIMARY KEY("merchant_id","segment_id","version")
);

--> statement-breakpoint
-- hand-written: version 1 of every segment made before the history existed.
INSERT INTO "segment_versions" ("merchant_id", "segment_id", "version", "name", "rule", "action", "actor", "created_at")
SELECT "merchant_id", "id", 1, "name", "rule", 'create', 'backfill', "created_at" FROM "segments"
ON CONFLICT DO NOTHING;
