ALTER TABLE "products" ADD COLUMN "last_seen_price" bigint;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "margin" integer;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "active" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "source" text DEFAULT 'order' NOT NULL;--> statement-breakpoint
-- Existing rows: the price they hold is what orders showed last (issue 13 defect 2).
UPDATE "products" SET "last_seen_price" = "price";
--> statement-breakpoint
-- A verbatim copy of migrations/functions/cl_upsert_products.sql.
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
  -- An order line's unit price is only a last-seen price: it never changes the list price (issue 13 defect 2),
  -- except that an SKU the merchant never priced takes the first positive unit price as its provisional list
  -- price. Name and category come from orders only until the merchant manages the product (source 'merchant').
  for prod in select * from jsonb_to_recordset(p_products) as j(sku text, name text, category text, price bigint) loop
    select q.name, q.category, q.price, q.last_seen_price, q.source into known
      from products q where q.merchant_id = p_merchant and q.sku = prod.sku;
    if not found then
      insert into products (merchant_id, sku, name, category, price, last_seen_price, updated_at)
        values (p_merchant, prod.sku, prod.name, prod.category, nullif(prod.price, 0), prod.price, p_now)
        on conflict (merchant_id, sku) do nothing;
    elsif known.last_seen_price is distinct from prod.price
          or (known.source = 'order' and (
                known.name is distinct from coalesce(prod.name, known.name)
                or known.category is distinct from coalesce(prod.category, known.category)
                or (known.price is null and prod.price > 0))) then
      update products pr
        set last_seen_price = prod.price,
            name = case when pr.source = 'order' then coalesce(prod.name, pr.name) else pr.name end,
            category = case when pr.source = 'order' then coalesce(prod.category, pr.category) else pr.category end,
            price = coalesce(pr.price, nullif(prod.price, 0)),
            updated_at = p_now
        where pr.ctid = (select q.ctid from products q where q.merchant_id = p_merchant and q.sku = prod.sku
                         for update skip locked);
    end if;
  end loop;
end;
$function$;
