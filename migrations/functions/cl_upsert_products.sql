CREATE OR REPLACE FUNCTION public.cl_upsert_products(p_merchant text, p_products jsonb, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
declare
  prod record;
  n integer := 0;
begin
  -- The catalog as orders see it, for every order path. p_products: [{sku, name, category, price}], sorted by sku
  -- by the caller so concurrent orders touch shared rows in the same order. One read finds the lines that change
  -- anything (no wait; usually none, and then this is the only statement); only unknown SKUs are inserted (on
  -- conflict do nothing covers a concurrent first sighting), changed ones are updated SKIP LOCKED: an unconditional
  -- upsert would lock (and wait for) the same hot rows in every order.
  -- An order line's unit price is only a last-seen price: it never changes the list price (issue 13 defect 2),
  -- except that an SKU the merchant never priced takes the first positive unit price as its provisional list
  -- price. Name and category come from orders only until the merchant manages the product (source 'merchant').
  -- Returns how many lines found something to change (an integer, so callers can assign it: no executor).
  for prod in
    select j.sku, j.name, j.category, j.price, q.sku is not null as known
      from jsonb_to_recordset(p_products) as j(sku text, name text, category text, price bigint)
      left join products q on q.merchant_id = p_merchant and q.sku = j.sku
      where q.sku is null
         or q.last_seen_price is distinct from j.price
         or (q.source = 'order' and (
               q.name is distinct from coalesce(j.name, q.name)
               or q.category is distinct from coalesce(j.category, q.category)
               or (q.price is null and j.price > 0)))
      order by j.sku
  loop
    if not prod.known then
      insert into products (merchant_id, sku, name, category, price, last_seen_price, updated_at)
        values (p_merchant, prod.sku, prod.name, prod.category, nullif(prod.price, 0), prod.price, p_now)
        on conflict (merchant_id, sku) do nothing;
    else
      update products pr
        set last_seen_price = prod.price,
            name = case when pr.source = 'order' then coalesce(prod.name, pr.name) else pr.name end,
            category = case when pr.source = 'order' then coalesce(prod.category, pr.category) else pr.category end,
            price = coalesce(pr.price, nullif(prod.price, 0)),
            updated_at = p_now
        where pr.ctid = (select q.ctid from products q where q.merchant_id = p_merchant and q.sku = prod.sku
                         for update skip locked);
    end if;
    n := n + 1;
  end loop;
  return n;
end;
$function$;
