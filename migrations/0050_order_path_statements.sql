-- hand-written (issue 18, order ingestion): fewer statements per order on the hot path — each statement a plpgsql
-- function runs pays the executor's start-up, the largest single item of Postgres's share in the profile.
-- * cl_upsert_products finds the lines that change anything in one read (was one read per line) and returns a count,
--   so cl_place_order calls it in an assignment instead of PERFORM; its return type changes: drop, create.
-- * cl_place_order writes an order's lots and ledger entries in one statement (was a loop of two inserts per credit)
--   and checks a store only when the order names one.
-- * The analytics dirty marks on insert fire only for a row dated before the current quarter-hour: a row from the
--   current quarter-hour belongs to a day that cannot have closed yet in any time zone (offsets are whole quarter
--   hours), which cl_analytics_mark would otherwise find out after a catalog read (sources: migrations/functions/).
DROP FUNCTION IF EXISTS public.cl_upsert_products(text, jsonb, timestamp with time zone);--> statement-breakpoint
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
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.cl_place_order(p jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
declare
  v_merchant text := p->>'merchantId';
  v_member text := p->>'memberId';
  v_key text := p->>'externalId';
  v_now timestamptz := (p->>'now')::timestamptz;
  v_at timestamptz := (p->>'placedAt')::timestamptz;
  v_probe boolean := p->'expect' is null;
  v_store text := p->>'storeId';
  v_store_ok boolean := true;
  v_n integer;
  m record;
  k record;
  f jsonb := null;
  v_points bigint := 0;
begin
  -- Order ingestion in one round trip (src/orders/place.ts). The earn rules stay in TypeScript: the caller reads
  -- the member's facts (no 'expect': a probe), computes the order, and calls again with those facts as 'expect'.
  -- Under the member lock the facts are read again; if any changed nothing is written and the fresh ones come
  -- back (the caller recomputes), else the whole order is written here. Lock order: member row, idempotency key,
  -- catalog rows (sorted by the caller).
  if v_member is not null then
    if v_probe then
      select tier_name, tier_since, birthday, points_total into m from members where id = v_member and merchant_id = v_merchant;
    else
      select tier_name, tier_since, birthday, points_total into m from members where id = v_member and merchant_id = v_merchant for update;
    end if;
    if found then
      -- The facts earning depends on (cl_member_facts), as the caller read them for its expect. tierSince (epoch
      -- ms) lets a backdated order ignore a tier reached after it was placed.
      select jsonb_build_object('tierName', m.tier_name,
                                'tierSince', (floor(extract(epoch from m.tier_since) * 1000))::bigint,
                                'birthday', m.birthday::text, 'pointsTotal', m.points_total,
                                'spend', x.spend, 'pending', x.pending, 'plan', x.plan)
        into f from cl_member_facts(v_merchant, v_member, (p->>'windowFrom')::timestamptz, v_at, v_now) x;
    end if;
  end if;

  -- The store (optional) must be this merchant's and open (not archived).
  if v_store is not null then
    v_store_ok := exists (select 1 from stores s where s.id = v_store and s.merchant_id = v_merchant and s.archived_at is null);
  end if;

  -- Probe, unknown member or store, or changed facts: nothing is written; a stored response (replay) wins.
  if v_probe or not v_store_ok or (v_member is not null and f is null) or (v_member is not null and f is distinct from p->'expect') then
    select * into k from cl_idempotent_replay(v_merchant, 'orders', v_key);
    if found then
      return jsonb_build_object('r', 'replay', 'hash', k.request_hash, 'status', k.status, 'response', k.response);
    end if;
    if v_member is not null and f is null then
      return jsonb_build_object('r', 'no-member');
    end if;
    if not v_store_ok then
      return jsonb_build_object('r', 'no-store');
    end if;
    return jsonb_build_object('r', 'facts', 'facts', f);
  end if;

  -- The key row carries the response from the start: a concurrent duplicate waits on it, then replays it.
  if not cl_idempotent_claim(v_merchant, 'orders', v_key, p->>'hash', 201, p->>'response') then
    select * into k from cl_idempotent_replay(v_merchant, 'orders', v_key);
    return jsonb_build_object('r', 'replay', 'hash', k.request_hash, 'status', k.status, 'response', k.response);
  end if;

  -- The request's audit entry (docs/security.md) in the order's transaction: no second commit per order, and no
  -- order without its entry. The API's audit middleware then skips the request (src/orders/routes.ts).
  if p ? 'audit' then
    insert into audit_log (merchant_id, actor, action, target, status, request_id, created_at)
      values (v_merchant, p->'audit'->>'actor', p->'audit'->>'action', p->'audit'->>'target', 201,
              p->'audit'->>'requestId', v_now);
  end if;

  insert into orders (id, merchant_id, external_id, member_id, channel, placed_at, total, points_earned, credit_earned, content_hash, offer_codes, store_id, created_at)
    values (p->>'orderId', v_merchant, v_key, v_member, p->>'channel', v_at, (p->>'total')::bigint, (p->>'pointsEarned')::bigint,
            (p->>'creditEarned')::bigint, p->>'hash', p->'offerCodes', v_store, v_now);
  insert into order_items (order_id, merchant_id, line_no, sku, name, category, quantity, unit_price, discount)
    select p->>'orderId', v_merchant, x.line_no, x.sku, x.name, x.category, x.quantity, x.unit_price, x.discount
    from jsonb_to_recordset(p->'lines') as x(line_no int, sku text, name text, category text, quantity int, unit_price bigint, discount bigint);
  -- An assignment, not PERFORM: a plain expression skips the executor's start-up (one statement less per order).
  v_n := cl_upsert_products(v_merchant, p->'products', v_now);

  if v_member is null then
    return jsonb_build_object('r', 'ok');
  end if;

  -- Earn and bonus: a lot and an entry each (remaining computed by the caller from the verified points_total), all
  -- in one statement: the lot ids are drawn first, so each entry names its lot.
  with c as materialized (
    select nextval('point_lots_id_seq'::regclass) as lot_id, x.value as c, x.n
      from jsonb_array_elements(p->'credits') with ordinality as x(value, n)
  ), lots as (
    insert into point_lots (id, merchant_id, member_id, order_id, points, remaining, earned_at, available_at, expires_at)
      select c.lot_id, v_merchant, v_member, p->>'orderId', (c.c->>'points')::bigint, (c.c->>'remaining')::bigint, v_now,
             (p->>'availableAt')::timestamptz, (p->>'expiresAt')::timestamptz
        from c
  )
  insert into ledger_entries (merchant_id, member_id, kind, points, order_id, reason, breakdown, lot_id, created_at)
    select v_merchant, v_member, c.c->>'kind', (c.c->>'points')::bigint, p->>'orderId', c.c->>'reason', c.c->'breakdown',
           c.lot_id, v_now
      from c order by c.n;
  -- The credits add up to pointsEarned (the caller builds both from one breakdown).
  v_points := (p->>'pointsEarned')::bigint;
  if (p->>'cashback')::bigint > 0 then
    insert into credit_entries (merchant_id, member_id, kind, amount, order_id, created_at)
      values (v_merchant, v_member, 'cashback', (p->>'cashback')::bigint, p->>'orderId', v_now);
  end if;
  update members set
      points_total = points_total + v_points,
      credit_balance = credit_balance + (p->>'cashback')::bigint,
      tier_name = coalesce(p->>'upgradeTo', tier_name),
      tier_since = case when p->>'upgradeTo' is null then tier_since else v_at end
    where id = v_member;
  return jsonb_build_object('r', 'ok');
end;
$function$;
--> statement-breakpoint
DROP TRIGGER analytics_dirty_orders ON orders;--> statement-breakpoint
DROP TRIGGER analytics_dirty_ledger ON ledger_entries;--> statement-breakpoint
DROP TRIGGER analytics_dirty_members ON members;--> statement-breakpoint
CREATE TRIGGER analytics_dirty_orders AFTER DELETE OR UPDATE OF merchant_id, placed_at, total, refunded_total ON orders FOR EACH ROW EXECUTE FUNCTION cl_analytics_dirty();--> statement-breakpoint
CREATE TRIGGER analytics_dirty_ledger AFTER DELETE OR UPDATE OF merchant_id, created_at, kind, points ON ledger_entries FOR EACH ROW EXECUTE FUNCTION cl_analytics_dirty();--> statement-breakpoint
CREATE TRIGGER analytics_dirty_members AFTER DELETE OR UPDATE OF merchant_id, created_at ON members FOR EACH ROW EXECUTE FUNCTION cl_analytics_dirty();--> statement-breakpoint
CREATE TRIGGER analytics_dirty_orders_insert AFTER INSERT ON orders FOR EACH ROW WHEN (new.placed_at < date_bin('15 minutes', now(), timestamptz '2000-01-01 00:00:00+00')) EXECUTE FUNCTION cl_analytics_dirty();--> statement-breakpoint
CREATE TRIGGER analytics_dirty_ledger_insert AFTER INSERT ON ledger_entries FOR EACH ROW WHEN (new.created_at < date_bin('15 minutes', now(), timestamptz '2000-01-01 00:00:00+00')) EXECUTE FUNCTION cl_analytics_dirty();--> statement-breakpoint
CREATE TRIGGER analytics_dirty_members_insert AFTER INSERT ON members FOR EACH ROW WHEN (new.created_at < date_bin('15 minutes', now(), timestamptz '2000-01-01 00:00:00+00')) EXECUTE FUNCTION cl_analytics_dirty();
