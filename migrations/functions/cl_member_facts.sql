CREATE OR REPLACE FUNCTION public.cl_member_facts(p_merchant text, p_member text, p_window_from timestamp with time zone, p_at timestamp with time zone, p_now timestamp with time zone)
 RETURNS TABLE(spend bigint, pending bigint, plan text, refunded bigint)
 LANGUAGE sql
 STABLE
AS $function$
  -- The member facts earning depends on, one home for plpgsql and TypeScript (docs/architecture-sql.md). A
  -- set-returning SQL function, so the planner inlines it: a caller that reads one column evaluates only that one.
  -- Every read names the merchant (docs/scaling.md: a router query on Citus; orders_member_idx serves it).
  select
    -- Net spend in the tier window (p_window_from, p_at].
    (select coalesce(sum(o.total - o.refunded_total), 0)::bigint from orders o
      where o.merchant_id = p_merchant and o.member_id = p_member and o.placed_at > p_window_from and o.placed_at <= p_at),
    -- Points not spendable yet at p_now (lots inside the pending window).
    (select coalesce(sum(l.remaining), 0)::bigint from point_lots l
      where l.merchant_id = p_merchant and l.member_id = p_member and l.remaining > 0 and l.available_at > p_now),
    -- The active paid plan at p_at.
    (select s.plan from subscriptions s
      where s.merchant_id = p_merchant and s.member_id = p_member and s.starts_at <= p_at and s.ends_at > p_at order by s.ends_at desc limit 1),
    -- Refunded in the tier window (the spend the net figure above took back): the periodic tier evaluation tells a
    -- tier lost to refunds (downgraded then, retention or not) from one lost to spend ageing out (retention applies).
    (select coalesce(sum(o.refunded_total), 0)::bigint from orders o
      where o.merchant_id = p_merchant and o.member_id = p_member and o.placed_at > p_window_from and o.placed_at <= p_at)
$function$;
