/**
 * The merchant's own daily ZNS quota: messages handed to Zalo (claimed, being sent, sent or of unknown outcome)
 * since local midnight in the merchant's time zone. Over the quota, the delivery queue holds the rest until the
 * next local midnight (they are deferred, not skipped: a campaign larger than the quota takes several days).
 * One process sends a channel at a time (the channel lease), so counting then claiming cannot overshoot.
 */
import { z } from "zod";
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { num, queryRows, toDate, col } from "../db/rows.ts";
import { znsSettings, type ZnsSettings } from "./settings.ts";

export interface ZnsDay {
  settings: ZnsSettings;
  /** ZNS messages counted against today's quota so far. */
  used: number;
  /** The next local midnight (when deferred messages become due). */
  nextDay: Date;
}

/** Today's ZNS usage of each merchant (one query). */
export async function znsDays(db: Db, merchantIds: string[], now: Date): Promise<Map<string, ZnsDay>> {
  const out = new Map<string, ZnsDay>();
  if (merchantIds.length === 0) return out;
  const n = sql`${now.toISOString()}::timestamptz`;
  const rows = await queryRows(
    db,
    sql`select mer.id, mer.settings,
               (date_trunc('day', ${n} at time zone mer.timezone) + interval '1 day') at time zone mer.timezone as next_day,
               (select count(*) from deliveries d
                 where d.merchant_id = mer.id and d.channel = 'zns'
                   and ((d.status = 'sent' and d.sent_at >= (date_trunc('day', ${n} at time zone mer.timezone) at time zone mer.timezone))
                     or (d.status in ('claimed', 'sending', 'unknown') and d.updated_at >= (date_trunc('day', ${n} at time zone mer.timezone) at time zone mer.timezone)))) as used
        from merchants mer where mer.id in (${sql.join(
          merchantIds.map((m) => sql`${m}`),
          sql`, `,
        )})`,
    z.object({
      id: z.string(),
      settings: z.record(z.string(), z.unknown()).nullable(),
      next_day: col.any,
      used: col.any,
    }),
  );
  for (const r of rows)
    out.set(r.id, { settings: znsSettings.parse(r.settings), used: num(r.used), nextDay: toDate(r.next_day)! });
  return out;
}

export async function znsUsedToday(db: Db, merchantId: string, now: Date): Promise<number> {
  return (await znsDays(db, [merchantId], now)).get(merchantId)?.used ?? 0;
}
