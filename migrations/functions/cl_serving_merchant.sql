CREATE OR REPLACE FUNCTION public.cl_serving_merchant()
 RETURNS text
 LANGUAGE plpgsql
 STABLE
AS $function$
declare
  v_id text;
begin
  -- The merchant the environment-configured bots serve when DEFAULT_MERCHANT_ID is not set: the only merchant;
  -- else the only non-demo one (a demo shop seeded next to one real shop does not make it ambiguous); else null.
  if (select count(*) from (select 1 from merchants limit 2) a) = 1 then
    select id into v_id from merchants limit 1;
  else
    select case when count(*) = 1 then min(r.id) end into v_id from (select id from merchants where is_demo = false limit 2) r;
  end if;
  return v_id;
end;
$function$;
