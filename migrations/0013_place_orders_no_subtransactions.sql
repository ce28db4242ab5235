-- cl_place_orders (0010) without a subtransaction per order: a batch is now all or nothing. Errors are rare (a
-- deadlock, text Postgres refuses as jsonb) and the caller (src/orders/batch.ts) answers a failed batch by running
-- its orders one by one, so one bad order still fails only itself — while every good batch saves a subtransaction
-- (sub-XID, pg_subtrans entry) per order.
create or replace function cl_place_orders(ps jsonb) returns jsonb
language plpgsql
as $$
declare
  results jsonb := '[]'::jsonb;
  p jsonb;
begin
  for p in select value from jsonb_array_elements(ps) loop
    results := results || jsonb_build_array(cl_place_order(p));
  end loop;
  return results;
end;
$$;
