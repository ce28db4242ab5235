CREATE OR REPLACE FUNCTION public.cl_analytics_days(p_merchant text, p_tz text, p_first date, p_last date, p_from timestamp with time zone, p_to timestamp with time zone)
 RETURNS TABLE(day date, orders bigint, revenue bigint, issued bigint, redeemed bigint, expired bigint, new_members bigint)
 LANGUAGE sql
 STABLE
AS $function$
  -- The index range is the days' local midnights widened by 3 hours (a midnight may not exist or occur twice: DST
  -- moves it by at most 2 hours), and the local date decides. Widening by whole days scanned the neighbouring days
  -- too, which for today is all of yesterday.
  with d as (
    select g::date as day from generate_series(p_first, p_last, interval '1 day') g
  ), o as (
    select (placed_at at time zone p_tz)::date as day, count(*) as orders, sum(total - refunded_total) as revenue
    from orders
    where merchant_id = p_merchant and placed_at > p_from and placed_at <= p_to
      and placed_at >= (p_first::timestamp at time zone p_tz) - interval '3 hours'
      and placed_at < ((p_last + 1)::timestamp at time zone p_tz) + interval '3 hours'
      and (placed_at at time zone p_tz)::date between p_first and p_last
    group by 1
  ), l as (
    select (created_at at time zone p_tz)::date as day,
           sum(points) filter (where kind in ('earn','bonus') or (kind = 'adjust' and points > 0)) as issued,
           -sum(points) filter (where kind = 'redeem') as redeemed,
           -sum(points) filter (where kind = 'expire') as expired
    from ledger_entries
    where merchant_id = p_merchant and created_at > p_from and created_at <= p_to
      and created_at >= (p_first::timestamp at time zone p_tz) - interval '3 hours'
      and created_at < ((p_last + 1)::timestamp at time zone p_tz) + interval '3 hours'
      and (created_at at time zone p_tz)::date between p_first and p_last
    group by 1
  ), n as (
    -- No upper bound: a member who joined later on the window's last day counts for that day (as it always has).
    select (created_at at time zone p_tz)::date as day, count(*) as members
    from members
    where merchant_id = p_merchant and created_at > p_from
      and created_at >= (p_first::timestamp at time zone p_tz) - interval '3 hours'
      and created_at < ((p_last + 1)::timestamp at time zone p_tz) + interval '3 hours'
      and (created_at at time zone p_tz)::date between p_first and p_last
    group by 1
  )
  select d.day, coalesce(o.orders, 0), coalesce(o.revenue, 0)::bigint, coalesce(l.issued, 0)::bigint,
         coalesce(l.redeemed, 0)::bigint, coalesce(l.expired, 0)::bigint, coalesce(n.members, 0)
  from d left join o using (day) left join l using (day) left join n using (day)
$function$;
