/**
 * A segment's members as CSV, streamed a page at a time (keyset over member id) through a web ReadableStream: the
 * memory used is one page whatever the size of the segment, on Node and on Workers alike.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { queryRows } from "../db/rows.ts";
import { writeAudit } from "../audit/write.ts";
import { newId } from "../lib/ids.ts";
import { compileSegment, segmentMembersQuery } from "./compile.ts";
import type { Rule } from "./rule.ts";
import { segmentContext, SegmentMemberRow } from "./service.ts";
import { withDayBounds } from "./days.ts";
import { csvLine } from "./csv-cells.ts";

export const EXPORT_PURPOSES = ["marketing", "service"] as const;
export type ExportPurpose = (typeof EXPORT_PURPOSES)[number];

export const EXPORT_COLUMNS = [
  "id",
  "name",
  "phone",
  "email",
  "tier",
  "balance",
  "last_order_date",
  "loyalty_terms_consent",
  "marketing_consent",
] as const;

export const DEFAULT_EXPORT_PAGE = 1000;

const Row = SegmentMemberRow.extend({
  email: z.string().nullable(),
  balance: z.unknown(),
  last_order_date: z.string().nullable(),
  terms: z.unknown(),
});

/** Drivers differ: postgres.js answers a boolean, PGlite a boolean or 't'/'f'. */
const bool = (v: unknown): boolean | null => (v === null || v === undefined ? null : v === true || v === "t");

/**
 * The CSV (UTF-8 BOM first, so spreadsheets read Vietnamese names right) of the members matching `rule` now, erased
 * members left out, and for `marketing` only members who consented to marketing (optedIn). Each pull reads the next
 * `pageSize` matches after the last id sent.
 */
export async function segmentCsvStream(
  db: Db,
  merchantId: string,
  rule: Rule,
  purpose: ExportPurpose,
  now: Date,
  pageSize = DEFAULT_EXPORT_PAGE,
): Promise<ReadableStream<Uint8Array>> {
  const ctx = await withDayBounds(db, await segmentContext(db, merchantId, now), rule);
  const compiled = compileSegment(rule, ctx);
  const tier = ctx.defaultTier === null ? sql`m.tier_name` : sql`coalesce(m.tier_name, ${ctx.defaultTier}::text)`;
  const consent = purpose === "marketing" ? sql` and m.opted_in` : sql``;
  const limit = Math.max(1, Math.floor(pageSize));
  const encoder = new TextEncoder();
  let last: string | null = null;
  // A rule that reads other tables (order facts, purchases, channels, pending points): Postgres would recompute those
  // for every page, so its matches are written once to segment_export_rows and the pages read them back by id.
  const snapshot = (compiled.sources ?? 1) > 0 ? newId("sxp") : null;
  let snapshotted = false;

  const takeSnapshot = async (exportId: string) => {
    // Rows a crashed export left behind, a day on.
    await db.execute(
      sql`delete from segment_export_rows where merchant_id = ${merchantId}
          and created_at < ${new Date(now.getTime() - 86_400_000).toISOString()}::timestamptz`,
    );
    const ids = segmentMembersQuery(compiled, merchantId, { extraWhere: sql`m.erased_at is null${consent}` });
    await db.execute(
      sql`insert into segment_export_rows (export_id, merchant_id, member_id, created_at)
          select ${exportId}, ${merchantId}, p.member_id, ${now.toISOString()}::timestamptz from (${ids}) p`,
    );
  };
  const dropSnapshot = async () => {
    if (snapshot !== null)
      await db.execute(
        sql`delete from segment_export_rows where merchant_id = ${merchantId} and export_id = ${snapshot}`,
      );
  };

  const page = (after: string | null) => {
    const keyset = after === null ? sql`` : sql` and m.id > ${after}`;
    const ids =
      snapshot === null
        ? segmentMembersQuery(compiled, merchantId, {
            extraWhere: sql`m.erased_at is null${consent}${keyset}`,
            orderBy: sql`m.id`,
            limit,
          })
        : sql`select x.member_id from segment_export_rows x where x.merchant_id = ${merchantId}
              and x.export_id = ${snapshot}${after === null ? sql`` : sql` and x.member_id > ${after}`}
              order by x.member_id limit ${limit}`;
    // Spendable = total less pending lots (as the segment field pointsBalance); last order date in the merchant's zone.
    // (Erased since the snapshot: left out here too.)
    return sql`select m.id, m.name, m.phone, m.email, ${tier} as tier,
        m.points_total - case when m.points_total > 0 then coalesce((select sum(l.remaining) from point_lots l
          where l.member_id = m.id and l.merchant_id = m.merchant_id and l.remaining > 0
            and l.available_at > ${now.toISOString()}::timestamptz), 0) else 0 end as balance,
        to_char(ms.last_order_at at time zone ${ctx.timezone}, 'YYYY-MM-DD') as last_order_date,
        (select c.granted from consent_events c where c.merchant_id = m.merchant_id and c.member_id = m.id
          and c.purpose = 'loyalty_terms' order by c.id desc limit 1) as terms,
        m.opted_in
      from members m left join member_stats ms on ms.member_id = m.id
      where m.merchant_id = ${merchantId} and m.erased_at is null and m.id in (select p.member_id from (${ids}) p)
      order by m.id`;
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(`\uFEFF${csvLine(EXPORT_COLUMNS)}`));
      },
      async pull(controller) {
        if (snapshot !== null && !snapshotted) {
          await takeSnapshot(snapshot);
          snapshotted = true;
        }
        const rows = await queryRows(db, page(last), Row);
        if (rows.length > 0) {
          last = rows[rows.length - 1]!.id;
          let chunk = "";
          for (const r of rows) {
            const terms = bool(r.terms);
            chunk += csvLine([
              r.id,
              r.name,
              r.phone,
              r.email,
              r.tier,
              String(r.balance ?? 0),
              r.last_order_date,
              terms === null ? "" : String(terms),
              String(bool(r.opted_in) ?? false),
            ]);
          }
          controller.enqueue(encoder.encode(chunk));
        }
        if (rows.length < limit) {
          await dropSnapshot();
          controller.close();
        }
      },
      async cancel() {
        await dropSnapshot();
      },
    },
    // One page queued ahead at most: a slow reader holds the database back instead of filling memory.
    { highWaterMark: 1 },
  );
}

/** The audit-log action of every export, from the API or the console (the target tells which path). */
export const EXPORT_AUDIT_ACTION = "GET /v1/segments/:id/export";

/** Records an export in the audit log (exports are reads, which the audit middleware does not see). */
export async function auditExport(
  db: Db,
  e: { merchantId: string; actor: string; target: string; requestId: string; purpose: ExportPurpose },
  now: Date,
): Promise<void> {
  await writeAudit(
    db,
    {
      merchantId: e.merchantId,
      actor: e.actor,
      action: EXPORT_AUDIT_ACTION,
      target: e.target,
      status: 200,
      requestId: e.requestId,
      after: { purpose: e.purpose },
    },
    now,
  );
}
