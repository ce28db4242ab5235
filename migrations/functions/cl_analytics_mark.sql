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
