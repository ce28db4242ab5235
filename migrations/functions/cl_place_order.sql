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
