CREATE OR REPLACE FUNCTION public.cl_place_orders(ps jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
declare
  results jsonb := '[]'::jsonb;
  p jsonb;
begin
  -- A batch of cl_place_order calls in one statement (src/orders/batch.ts), all or nothing: the caller answers a
  -- failed batch by running its orders one by one, so one bad order fails only itself.
  for p in select value from jsonb_array_elements(ps) loop
    results := results || jsonb_build_array(cl_place_order(p));
  end loop;
  return results;
end;
$function$;
