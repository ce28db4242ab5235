/** Bulk audiences for broadcast tests and benchmarks, written with generate_series (one statement per table). */
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/types.ts";

/**
 * `n` opted-in members, each linked on Telegram with chat id `chatBase + i` (i = 1…n), named "Nguyễn Văn Khách",
 * every fifth one in English. Member ids are `mem_<tag>_<i>`.
 */
export async function seedAudience(
  db: Db,
  merchantId: string,
  n: number,
  opts: { tag: string; chatBase: number; now: Date },
): Promise<void> {
  const now = opts.now.toISOString();
  await db.execute(sql`
    insert into members (id, merchant_id, name, language, opted_in, opted_in_at, points_total, created_at)
    select 'mem_' || ${opts.tag}::text || '_' || g, ${merchantId}, 'Nguyễn Văn Khách', case when g % 5 = 0 then 'en' else 'vi' end, true, ${now}::timestamptz, g % 1000, ${now}::timestamptz
    from generate_series(1, ${n}::int) g`);
  await db.execute(sql`
    insert into channel_identities (merchant_id, member_id, channel, user_id, chat_id, linked_at)
    select ${merchantId}, 'mem_' || ${opts.tag}::text || '_' || g, 'telegram', (${opts.chatBase}::bigint + g)::text, (${opts.chatBase}::bigint + g)::text, ${now}::timestamptz
    from generate_series(1, ${n}::int) g`);
}
