DROP INDEX "member_stats_last_idx";--> statement-breakpoint
ALTER TABLE "member_stats" ADD COLUMN "prev_order_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "member_stats_last_idx" ON "member_stats" USING btree ("merchant_id","last_order_at","prev_order_at");
--> statement-breakpoint
-- hand-written (issue 18): cl_member_stats keeps prev_order_at (source: migrations/functions/cl_member_stats.sql),
-- and the backfill from the stored orders. The ALTER above holds member_stats exclusively until commit, so an order
-- written meanwhile waits and then runs the new function; the backfill sees every order committed before.
CREATE OR REPLACE FUNCTION public.cl_member_stats()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
declare
  v_first timestamptz;
  v_last timestamptz;
  v_prev timestamptz;
  v_same boolean := tg_op = 'UPDATE' and new.member_id is not distinct from old.member_id
                    and new.placed_at = old.placed_at;
begin
  -- member_stats (docs/member-stats.md) kept exact by every write to orders, in the writing transaction: the order
  -- paths (cl_place_order, the locking TypeScript path, imports), refunds and cancellations alike. Counts and sums
  -- move by deltas (commutative, so concurrent orders of one member never lose each other); the latest two order
  -- instants (last, prev) are a top-2 that an insert updates commutatively too; first/last/prev are read again from
  -- the member's orders only when an order leaves them (its row is locked by then, and each statement here takes a
  -- fresh snapshot, so a concurrent order is either already counted or not yet written).
  if tg_op in ('UPDATE', 'DELETE') and old.member_id is not null then
    update member_stats s set
        order_count = s.order_count - (case when old.total = 0 or old.refunded_total < old.total then 1 else 0 end),
        net_spend = s.net_spend - (old.total - old.refunded_total)
      where s.merchant_id = old.merchant_id and s.member_id = old.member_id;
    if not v_same then
      select min(o.placed_at), max(o.placed_at) into v_first, v_last from orders o
        where o.merchant_id = old.merchant_id and o.member_id = old.member_id
          and (tg_op = 'DELETE' or o.id <> new.id or new.member_id is distinct from old.member_id);
      if v_first is null then
        delete from member_stats s where s.merchant_id = old.merchant_id and s.member_id = old.member_id;
      else
        select o.placed_at into v_prev from orders o
          where o.merchant_id = old.merchant_id and o.member_id = old.member_id
            and (tg_op = 'DELETE' or o.id <> new.id or new.member_id is distinct from old.member_id)
          order by o.placed_at desc offset 1 limit 1;
        update member_stats s set first_order_at = v_first, last_order_at = v_last, prev_order_at = v_prev
          where s.merchant_id = old.merchant_id and s.member_id = old.member_id;
      end if;
    end if;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.member_id is not null then
    -- On a refund (same member, same instant) the order is already among last/prev: only the deltas move.
    insert into member_stats as s (member_id, merchant_id, first_order_at, last_order_at, prev_order_at, order_count, net_spend)
      values (new.member_id, new.merchant_id, new.placed_at, new.placed_at, null,
              case when new.total = 0 or new.refunded_total < new.total then 1 else 0 end, new.total - new.refunded_total)
      on conflict (member_id) do update set
        first_order_at = least(s.first_order_at, excluded.first_order_at),
        last_order_at = greatest(s.last_order_at, excluded.last_order_at),
        prev_order_at = case when v_same then s.prev_order_at
                             when excluded.last_order_at >= s.last_order_at then s.last_order_at
                             else greatest(s.prev_order_at, excluded.last_order_at) end,
        order_count = s.order_count + excluded.order_count,
        net_spend = s.net_spend + excluded.net_spend;
  end if;
  return null;
end
$function$;
--> statement-breakpoint
UPDATE member_stats s SET prev_order_at = p.placed_at
  FROM (SELECT r.member_id, r.placed_at FROM (
          SELECT o.member_id, o.placed_at, row_number() OVER (PARTITION BY o.member_id ORDER BY o.placed_at DESC) AS n
          FROM orders o WHERE o.member_id IS NOT NULL) r
        WHERE r.n = 2) p
  WHERE s.member_id = p.member_id;
