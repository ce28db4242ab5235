CREATE TABLE "member_stats" (
	"member_id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"first_order_at" timestamp with time zone NOT NULL,
	"last_order_at" timestamp with time zone NOT NULL,
	"order_count" integer NOT NULL,
	"net_spend" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_stats" ADD CONSTRAINT "member_stats_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "member_stats_last_idx" ON "member_stats" USING btree ("merchant_id","last_order_at");--> statement-breakpoint
-- hand-written (issue 18): the member_stats trigger function (source: migrations/functions/cl_member_stats.sql),
-- its triggers on orders, and the backfill from the orders already stored.
CREATE OR REPLACE FUNCTION public.cl_member_stats()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
declare
  v_first timestamptz;
  v_last timestamptz;
begin
  -- member_stats (docs/member-stats.md) kept exact by every write to orders, in the writing transaction: the order
  -- paths (cl_place_order, the locking TypeScript path, imports), refunds and cancellations alike. Counts and sums
  -- move by deltas (commutative, so concurrent orders of one member never lose each other); first/last order are
  -- read again from the member's orders only when an order leaves them (its row is locked by then, and each
  -- statement here takes a fresh snapshot, so a concurrent order is either already counted or not yet written).
  if tg_op in ('UPDATE', 'DELETE') and old.member_id is not null then
    update member_stats s set
        order_count = s.order_count - (case when old.total = 0 or old.refunded_total < old.total then 1 else 0 end),
        net_spend = s.net_spend - (old.total - old.refunded_total)
      where s.merchant_id = old.merchant_id and s.member_id = old.member_id;
    if tg_op = 'DELETE' or new.member_id is distinct from old.member_id or new.placed_at <> old.placed_at then
      select min(o.placed_at), max(o.placed_at) into v_first, v_last from orders o
        where o.merchant_id = old.merchant_id and o.member_id = old.member_id
          and (tg_op = 'DELETE' or o.id <> new.id or new.member_id is distinct from old.member_id);
      if v_first is null then
        delete from member_stats s where s.merchant_id = old.merchant_id and s.member_id = old.member_id;
      else
        update member_stats s set first_order_at = v_first, last_order_at = v_last
          where s.merchant_id = old.merchant_id and s.member_id = old.member_id;
      end if;
    end if;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.member_id is not null then
    insert into member_stats as s (member_id, merchant_id, first_order_at, last_order_at, order_count, net_spend)
      values (new.member_id, new.merchant_id, new.placed_at, new.placed_at,
              case when new.total = 0 or new.refunded_total < new.total then 1 else 0 end, new.total - new.refunded_total)
      on conflict (member_id) do update set
        first_order_at = least(s.first_order_at, excluded.first_order_at),
        last_order_at = greatest(s.last_order_at, excluded.last_order_at),
        order_count = s.order_count + excluded.order_count,
        net_spend = s.net_spend + excluded.net_spend;
  end if;
  return null;
end
$function$;
--> statement-breakpoint
CREATE TRIGGER orders_member_stats_insert AFTER INSERT ON orders
  FOR EACH ROW WHEN (new.member_id IS NOT NULL) EXECUTE FUNCTION cl_member_stats();--> statement-breakpoint
CREATE TRIGGER orders_member_stats_delete AFTER DELETE ON orders
  FOR EACH ROW WHEN (old.member_id IS NOT NULL) EXECUTE FUNCTION cl_member_stats();--> statement-breakpoint
CREATE TRIGGER orders_member_stats_update AFTER UPDATE OF member_id, placed_at, total, refunded_total ON orders
  FOR EACH ROW WHEN (old.member_id IS DISTINCT FROM new.member_id OR old.placed_at <> new.placed_at
                     OR old.total <> new.total OR old.refunded_total <> new.refunded_total)
  EXECUTE FUNCTION cl_member_stats();--> statement-breakpoint
INSERT INTO member_stats (member_id, merchant_id, first_order_at, last_order_at, order_count, net_spend)
  SELECT o.member_id, min(o.merchant_id), min(o.placed_at), max(o.placed_at),
         count(*) FILTER (WHERE o.total = 0 OR o.refunded_total < o.total), sum(o.total - o.refunded_total)
  FROM orders o WHERE o.member_id IS NOT NULL GROUP BY o.member_id;
