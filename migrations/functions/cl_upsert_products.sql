CREATE OR REPLACE FUNCTION public.cl_upsert_products(p_merchant text, p_products jsonb, p_now timestamp with time zone)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
declare
  prod record;
  known record;
begin
  -- The catalog as orders see it, for every order path. p_products: [{sku, name, category, price}], sorted by sku
  -- by the caller so concurrent orders touch shared rows in the same order. Known SKUs are read first (no wait);
  -- only unknown ones are inserted (on conflict do nothing covers a concurrent first sighting), changed ones are
  -- updated SKIP LOCKED: an unconditional upsert would lock (and wait for) the same hot rows in every order.
  for prod in select * from jsonb_to_recordset(p_products) as j(sku text, name text, category text, price bigint) loop
    select q.name, q.category, q.price into known from products q where q.merchant_id = p_merchant and q.sku = prod.sku;
    if not found then
      insert into products (merchant_id, sku, name, category, price, updated_at)
        values (p_merchant, prod.sku, prod.name, prod.category, prod.price, p_now)
        on conflict (merchant_id, sku) do nothing;
    elsif known.name is distinct from coalesce(prod.name, known.name)
          or known.category is distinct from coalesce(prod.category, known.category)
          or known.price is distinct from prod.price then
      update products pr
        set name = coalesce(prod.name, pr.name), category = coalesce(prod.category, pr.category), price = prod.price,
            updated_at = p_now
        where pr.ctid = (select q.ctid from products q where q.merchant_id = p_merchant and q.sku = prod.sku
                         for update skip locked);
    end if;
  end loop;
end;
$function$;
