/** Tables of the segments module (drizzle-kit picks up `src/*\/tables.ts`). */
import { index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { Rule } from "./rule.ts";
import {
  ts,
  createdAt,
  merchantId,
  merchantRow,
  merchantCreatedIndex,
  bigNumber,
  merchantMember,
  actor,
} from "../db/columns.ts";
import { members } from "../db/schema.ts";

/** What defines a custom segment: its name and rule. A version row keeps a copy of both. */
const definition = () => ({ name: text("name").notNull(), rule: jsonb("rule").$type<Rule>().notNull() });

/** Custom segments (the built-in `recent-*` ones live in code). The rule is stored as validated. */
export const segments = pgTable(
  "segments",
  {
    ...merchantRow(),
    ...definition(),
    createdAt: createdAt(),
  },
  (t) => [merchantCreatedIndex("segments_merchant_idx", t)],
);

/**
 * The history of a custom segment's rule: one row per create, update and delete, written in the transaction of the
 * change (version 1 is the create, or the backfill of a segment older than this table). Kept after the segment is
 * deleted, so a past campaign's audience can be explained.
 */
export const segmentVersions = pgTable(
  "segment_versions",
  {
    merchantId: merchantId(),
    segmentId: text("segment_id").notNull(),
    version: integer("version").notNull(),
    ...definition(),
    action: text("action").$type<"create" | "update" | "delete">().notNull(),
    /** Also `backfill`, for the version 1 of a segment made before the table. */
    actor: actor().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.segmentId, t.version] })],
);

/**
 * One row per member with at least one order: the all-time order facts segments read (issue 18), kept exact by a
 * trigger on `orders` (`cl_member_stats`, docs/member-stats.md) in the transaction that writes the order, refund or
 * cancellation — every write path, plpgsql or TypeScript, goes through it. Facts over all orders, future-dated ones
 * included: a reader at an instant before `last_order_at` falls back to the orders themselves.
 */
export const memberStats = pgTable(
  "member_stats",
  {
    memberId: text("member_id")
      .primaryKey()
      .references(() => members.id, { onDelete: "cascade" }),
    merchantId: merchantId(),
    firstOrderAt: ts("first_order_at").notNull(),
    lastOrderAt: ts("last_order_at").notNull(),
    /**
     * The second-latest `placed_at` (equal to `last_order_at` when two orders share it), null with one order: a
     * member ordered at least twice in `(from, to]` with `last_order_at <= to` iff `prev_order_at > from` — the
     * analytics `repeat` KPI (docs/analytics-rollups.md).
     */
    prevOrderAt: ts("prev_order_at"),
    /** Orders not refunded in full (a zero-total order counts). */
    orderCount: integer("order_count").notNull(),
    /** Σ total − refunded_total. */
    netSpend: bigNumber("net_spend").notNull(),
  },
  // Every recency cohort is a range of this index; `prev_order_at` in it makes the analytics `repeat` count of a
  // window index-only too.
  (t) => [index("member_stats_last_idx").on(t.merchantId, t.lastOrderAt, t.prevOrderAt)],
);

/**
 * The members an export of a segment with order facts matched when it started (src/segments/export.ts): written by
 * one INSERT … SELECT of the compiled rule, then read a page at a time by member id, and deleted when the export ends
 * or is cancelled (rows left by a crash are deleted by the merchant's next export after a day). So the rule's
 * aggregates run once per export, not once per page.
 */
export const segmentExportRows = pgTable(
  "segment_export_rows",
  {
    exportId: text("export_id").notNull(),
    ...merchantMember(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.merchantId, t.exportId, t.memberId] }),
    merchantCreatedIndex("segment_export_rows_created_idx", t),
  ],
);
