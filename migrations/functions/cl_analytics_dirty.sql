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
