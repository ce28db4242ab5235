/**
 * What the merchant's budget holds this month beyond what is used: the estimates of campaigns still sending
 * (src/budget/guard.ts writes them), and the messages journey passes and surveys queued that the delivery queue has
 * not sent yet (their ZNS price and the bonus or completion points they carry, every recipient redeeming: the same
 * upper bound their checks used). Once sent, a message's ZNS cost is used (budget/service.ts monthlySeries) and its
 * points count when they are given.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { PENDING_STATUSES } from "../campaigns/delivery.ts";
import { col, queryRows } from "../db/rows.ts";
import type { Db } from "../db/types.ts";
import { offerBonusSql } from "./offer-bonus.ts";

const held = z.object({ points: col.num, spend: col.num });

/** Points and spend held this month (other than campaign `exceptId`'s own reservation). */
export async function reservedThisMonth(
  db: Db,
  merchantId: string,
  month: string,
  opts: { pricePerMessage: number; exceptId?: string | null },
): Promise<{ points: number; spend: number }> {
  const pending = sql.join(
    PENDING_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );
  const [r] = await queryRows(
    db,
    sql`with campaigns_sending as (
          select coalesce(sum(r.points), 0) as points, coalesce(sum(r.spend), 0) as spend
          from budget_reservations r join campaigns c on c.merchant_id = r.merchant_id and c.id = r.source_id
          where r.merchant_id = ${merchantId} and r.month = ${month} and r.source_kind = 'campaign'
            and c.status = 'sending' and r.source_id is distinct from ${opts.exceptId ?? null}
        ), queued as (
          select coalesce(sum(case when d.source = 'survey' then coalesce(s.points, 0)
                                   else ${offerBonusSql(sql`d.merchant_id`, sql`d.message->>'offerId'`)} end), 0) as points,
                 count(*) filter (where d.channel = 'zns') as zns
          from deliveries d
          left join surveys s on d.source = 'survey' and s.merchant_id = d.merchant_id and d.source_key = 'survey:' || s.id
          where d.merchant_id = ${merchantId} and d.source in ('journey', 'survey') and d.status in (${pending})
        )
        select c.points + q.points as points, c.spend + ${opts.pricePerMessage}::bigint * q.zns as spend
        from campaigns_sending c, queued q`,
    held,
  );
  return { points: r?.points ?? 0, spend: r?.spend ?? 0 };
}
