CREATE TABLE "analytics_days" (
	"merchant_id" text NOT NULL,
	"day" date NOT NULL,
	"timezone" text NOT NULL,
	"orders" integer NOT NULL,
	"revenue" bigint NOT NULL,
	"issued" bigint NOT NULL,
	"redeemed" bigint NOT NULL,
	"expired" bigint NOT NULL,
	"new_members" integer NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_days_merchant_id_day_pk" PRIMARY KEY("merchant_id","day")
);
--> statement-breakpoint
CREATE TABLE "analytics_dirty_days" (
	"merchant_id" text NOT NULL,
	"day" date NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_dirty_days_merchant_id_day_pk" PRIMARY KEY("merchant_id","day")
);

--> statement-breakpoint
-- hand-written (issue 18): the analytics rollups (docs/analytics-rollups.md): the one definition of a day's figures
-- (cl_analytics_days, read by the rollup job and by the live part of the daily series), the dirty-day marker and its
-- triggers on orders, ledger_entries and members.
CREATE OR REPLACE FUNCTION public.cl_analytics_days(p_merchant text, p_tz text, p_first date, p_last date, p_from timestamp with time zone, p_to timestamp with time zone)
 RETURNS TABLE(day date, orders bigint, revenue bigint, issued bigint, redeemed bigint, expired bigint, new_members bigint)
 LANGUAGE sql
 STABLE
AS $function$
  -- The bounds are widened by a day and the local date decides (a zone's midnight may not exist).
  with d as (
    select g::date as day from generate_series(p_first, p_last, interval '1 day') g
  ), o as (
    select (placed_at at time zone p_tz)::date as day, count(*) as orders, sum(total - refunded_total) as revenue
    from orders
    where merchant_id = p_merchant and placed_at > p_from and placed_at <= p_to
      and placed_at >= ((p_first - 1)::timestamp at time zone p_tz) and placed_at < ((p_last + 2)::timestamp at time zone p_tz)
      and (placed_at at time zone p_tz)::date between p_first and p_last
    group by 1
  ), l as (
    select (created_at at time zone p_tz)::date as day,
           sum(points) filter (where kind in ('earn','bonus') or (kind = 'adjust' and points > 0)) as issued,
           -sum(points) filter (where kind = 'redeem') as redeemed,
           -sum(points) filter (where kind = 'expire') as expired
    from ledger_entries
    where merchant_id = p_merchant and created_at > p_from and created_at <= p_to
      and created_at >= ((p_first - 1)::timestamp at time zone p_tz) and created_at < ((p_last + 2)::timestamp at time zone p_tz)
      and (created_at at time zone p_tz)::date between p_first and p_last
    group by 1
  ), n as (
    -- No upper bound: a member who joined later on the window's last day counts for that day (as it always has).
    select (created_at at time zone p_tz)::date as day, count(*) as members
    from members
    where merchant_id = p_merchant and created_at > p_from
      and created_at >= ((p_first - 1)::timestamp at time zone p_tz) and created_at < ((p_last + 2)::timestamp at time zone p_tz)
      and (created_at at time zone p_tz)::date between p_first and p_last
    group by 1
  )
  select d.day, coalesce(o.orders, 0), coalesce(o.revenue, 0)::bigint, coalesce(l.issued, 0)::bigint,
         coalesce(l.redeemed, 0)::bigint, coalesce(l.expired, 0)::bigint, coalesce(n.members, 0)
  from d left join o using (day) left join l using (day) left join n using (day)
$function$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.cl_analytics_mark(p_merchant text, p_at timestamp with time zone)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
declare
  tz text;
  d date;
begin
  if p_at is null then
    return;
  end if;
  select timezone into tz from merchants where id = p_merchant;
  tz := coalesce(tz, 'Asia/Ho_Chi_Minh');
  d := (p_at at time zone tz)::date;
  -- A day still open when this transaction began has no rollup yet (the job waits an hour after a day closes).
  if ((d + 1)::timestamp at time zone tz) > now() then
    return;
  end if;
  -- The marker is locked (or inserted) so that the job's delete of it waits for this transaction. Locking first: a
  -- bulk write into one day locks the row once instead of updating it once per row.
  perform 1 from analytics_dirty_days where merchant_id = p_merchant and day = d for update;
  if not found then
    insert into analytics_dirty_days (merchant_id, day) values (p_merchant, d)
    on conflict (merchant_id, day) do update set marked_at = excluded.marked_at;
  end if;
end
$function$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.cl_analytics_dirty()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  -- Each branch names only its table's columns (plpgsql prepares a statement when it first runs it).
  if tg_table_name = 'orders' then
    if tg_op <> 'DELETE' then
      perform cl_analytics_mark(new.merchant_id, new.placed_at);
    end if;
    if tg_op <> 'INSERT' then
      perform cl_analytics_mark(old.merchant_id, old.placed_at);
    end if;
  else
    if tg_op <> 'DELETE' then
      perform cl_analytics_mark(new.merchant_id, new.created_at);
    end if;
    if tg_op <> 'INSERT' then
      perform cl_analytics_mark(old.merchant_id, old.created_at);
    end if;
  end if;
  return null;
end
$function$;
--> statement-breakpoint
CREATE TRIGGER analytics_dirty_orders AFTER INSERT OR DELETE OR UPDATE OF merchant_id, placed_at, total, refunded_total ON orders FOR EACH ROW EXECUTE FUNCTION cl_analytics_dirty();
--> statement-breakpoint
CREATE TRIGGER analytics_dirty_ledger AFTER INSERT OR DELETE OR UPDATE OF merchant_id, created_at, kind, points ON ledger_entries FOR EACH ROW EXECUTE FUNCTION cl_analytics_dirty();
--> statement-breakpoint
CREATE TRIGGER analytics_dirty_members AFTER INSERT OR DELETE OR UPDATE OF merchant_id, created_at ON members FOR EACH ROW EXECUTE FUNCTION cl_analytics_dirty();
