-- Group commit for order ingestion (src/orders/batch.ts): orders that arrive while the server's previous order
-- statements are still running go to Postgres together, one statement and one commit for all of them. Each order
-- stays atomic on its own — a subtransaction (the exception block) per order, so an order that fails (a deadlock,
-- say) rolls back alone and is reported in its slot; the others commit. Results come back in input order.
create or replace function cl_place_orders(ps jsonb) returns jsonb
language plpgsql
as $$
declare
  results jsonb := '[]'::jsonb;
  p jsonb;
  r jsonb;
begin
  for p in select value from jsonb_array_elements(ps) loop
    begin
      r := cl_place_order(p);
    exception when others then
      r := jsonb_build_object('r', 'error', 'code', sqlstate, 'message', sqlerrm);
    end;
    results := results || jsonb_build_array(r);
  end loop;
  return results;
end;
$$;
