/**
 * ZNS delivery receipts: Zalo reports `user_received_message` with our `tracking_id` (= the delivery id) and its
 * `msg_id`. The Zalo OA webhook calls `recordZnsReceipt`; the campaign KPIs count receipts as `delivered`.
 */
import { z } from "zod";
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { num, queryRows, col } from "../db/rows.ts";

export interface ZnsReceipt {
  /** Our delivery id, as sent in `tracking_id`. */
  trackingId?: string | undefined;
  /** Zalo's `msg_id` (from the send answer), when the event has no tracking id. */
  msgId?: string | undefined;
  at: Date;
}

/**
 * Records that a ZNS message reached the phone. Only the merchant's own ZNS deliveries match; a repeat is a no-op.
 * Returns the delivery id and whether this call recorded it (false: unknown, another merchant's, or already seen).
 */
export async function recordZnsReceipt(
  db: Db,
  merchantId: string,
  r: ZnsReceipt,
): Promise<{ deliveryId: number | null; recorded: boolean }> {
  const byTracking = r.trackingId && /^\d{1,18}$/.test(r.trackingId) ? r.trackingId : null;
  if (!byTracking && !r.msgId) return { deliveryId: null, recorded: false };
  const match = byTracking ? sql`d.id = ${byTracking}::bigint` : sql`d.message_id = ${r.msgId ?? ""}`;
  const found = await queryRows(
    db,
    sql`select d.id, d.message_id from deliveries d
        where d.merchant_id = ${merchantId} and d.channel = 'zns' and ${match} limit 1`,
    z.object({ id: col.any, message_id: z.string().nullable() }),
  );
  const d = found[0];
  if (!d) return { deliveryId: null, recorded: false };
  const id = num(d.id);
  const ins = await queryRows(
    db,
    sql`insert into zns_receipts (delivery_id, merchant_id, msg_id, delivered_at)
        values (${id}::bigint, ${merchantId}, ${r.msgId ?? d.message_id}, ${r.at.toISOString()}::timestamptz)
        on conflict (delivery_id) do nothing returning delivery_id`,
    z.object({ delivery_id: col.any }),
  );
  return { deliveryId: id, recorded: ins.length > 0 };
}
