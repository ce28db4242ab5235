-- One home per fact (docs/architecture-sql.md): the member facts earning depends on (cl_member_facts), the
-- idempotency claim/replay and the catalog upsert become functions of their own, called by the order and chat
-- functions and by TypeScript. Each function below is a verbatim copy of migrations/functions/<name>.sql, the
-- current source of truth (test/db/sql-functions.db.test.ts compares them with pg_get_functiondef).
CREATE OR REPLACE FUNCTION public.cl_member_facts(p_member text, p_window_from timestamp with time zone, p_at timestamp with time zone, p_now timestamp with time zone)
 RETURNS TABLE(spend bigint, pending bigint, plan text)
 LANGUAGE sql
 STABLE
AS $function$
  -- The member facts earning depends on, one home for plpgsql and TypeScript (docs/architecture-sql.md). A
  -- set-returning SQL function, so the planner inlines it: a caller that reads one column evaluates only that one.
  select
    -- Net spend in the tier window (p_window_from, p_at].
    (select coalesce(sum(o.total - o.refunded_total), 0)::bigint from orders o
      where o.member_id = p_member and o.placed_at > p_window_from and o.placed_at <= p_at),
    -- Points not spendable yet at p_now (lots inside the pending window).
    (select coalesce(sum(l.remaining), 0)::bigint from point_lots l
      where l.member_id = p_member and l.remaining > 0 and l.available_at > p_now),
    -- The active paid plan at p_at.
    (select s.plan from subscriptions s
      where s.member_id = p_member and s.starts_at <= p_at and s.ends_at > p_at order by s.ends_at desc limit 1)
$function$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.cl_idempotent_replay(p_merchant text, p_scope text, p_key text)
 RETURNS TABLE(request_hash text, status integer, response text)
 LANGUAGE sql
 STABLE
AS $function$
  -- The stored request hash and response of an idempotent write (none: the key is new). Inlined by the planner.
  select k.request_hash, k.status, k.response from idempotency_keys k
    where k.merchant_id = p_merchant and k.scope = p_scope and k.key = p_key
$function$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.cl_idempotent_claim(p_merchant text, p_scope text, p_key text, p_hash text, p_status integer, p_response text)
 RETURNS boolean
 LANGUAGE plpgsql
AS $function$
begin
  -- Claims the key in the caller's transaction: true = new (the caller writes the effect), false = already used
  -- (read it with cl_idempotent_replay). A concurrent duplicate waits on the row until the first commits or rolls
  -- back; a rolled-back claim frees the key for a retry. Whether a replay is the same request is decided in one
  -- place, in TypeScript (src/http/idempotency.ts replayOrConflict).
  insert into idempotency_keys (merchant_id, scope, key, request_hash, status, response)
    values (p_merchant, p_scope, p_key, p_hash, p_status, p_response)
    on conflict do nothing;
  return found;
end;
$function$;
--> statement-breakpoint
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
--> statement-breakpoint
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
  m record;
  k record;
  f jsonb := null;
  c jsonb;
  v_lot bigint;
  v_points int := 0;
begin
  -- Order ingestion in one round trip (src/orders/place.ts). The earn rules stay in TypeScript: the caller reads
  -- the member's facts (no 'expect': a probe), computes the order, and calls again with those facts as 'expect'.
  -- Under the member lock the facts are read again; if any changed nothing is written and the fresh ones come
  -- back (the caller recomputes), else the whole order is written here. Lock order: member row, idempotency key,
  -- catalog rows (sorted by the caller).
  if v_member is not null then
    if v_probe then
      select tier_name, birthday, points_total into m from members where id = v_member and merchant_id = v_merchant;
    else
      select tier_name, birthday, points_total into m from members where id = v_member and merchant_id = v_merchant for update;
    end if;
    if found then
      -- The facts earning depends on (cl_member_facts), as the caller read them for its expect.
      select jsonb_build_object('tierName', m.tier_name, 'birthday', m.birthday::text, 'pointsTotal', m.points_total,
                                'spend', x.spend, 'pending', x.pending, 'plan', x.plan)
        into f from cl_member_facts(v_member, (p->>'windowFrom')::timestamptz, v_at, v_now) x;
    end if;
  end if;

  -- Probe, unknown member or changed facts: nothing is written; a stored response (replay) wins.
  if v_probe or (v_member is not null and f is null) or (v_member is not null and f is distinct from p->'expect') then
    select * into k from cl_idempotent_replay(v_merchant, 'orders', v_key);
    if found then
      return jsonb_build_object('r', 'replay', 'hash', k.request_hash, 'status', k.status, 'response', k.response);
    end if;
    if v_member is not null and f is null then
      return jsonb_build_object('r', 'no-member');
    end if;
    return jsonb_build_object('r', 'facts', 'facts', f);
  end if;

  -- The key row carries the response from the start: a concurrent duplicate waits on it, then replays it.
  if not cl_idempotent_claim(v_merchant, 'orders', v_key, p->>'hash', 201, p->>'response') then
    select * into k from cl_idempotent_replay(v_merchant, 'orders', v_key);
    return jsonb_build_object('r', 'replay', 'hash', k.request_hash, 'status', k.status, 'response', k.response);
  end if;

  insert into orders (id, merchant_id, external_id, member_id, channel, placed_at, total, points_earned, credit_earned, content_hash, offer_codes, created_at)
    values (p->>'orderId', v_merchant, v_key, v_member, p->>'channel', v_at, (p->>'total')::bigint, (p->>'pointsEarned')::int,
            (p->>'creditEarned')::int, p->>'hash', p->'offerCodes', v_now);
  insert into order_items (order_id, merchant_id, line_no, sku, name, category, quantity, unit_price, discount)
    select p->>'orderId', v_merchant, x.line_no, x.sku, x.name, x.category, x.quantity, x.unit_price, x.discount
    from jsonb_to_recordset(p->'lines') as x(line_no int, sku text, name text, category text, quantity int, unit_price bigint, discount bigint);
  perform cl_upsert_products(v_merchant, p->'products', v_now);

  if v_member is null then
    return jsonb_build_object('r', 'ok');
  end if;

  -- Earn and bonus: a lot and an entry each (remaining computed by the caller from the verified points_total).
  for c in select * from jsonb_array_elements(p->'credits') loop
    insert into point_lots (merchant_id, member_id, order_id, points, remaining, earned_at, available_at, expires_at)
      values (v_merchant, v_member, p->>'orderId', (c->>'points')::int, (c->>'remaining')::int, v_now,
              (p->>'availableAt')::timestamptz, (p->>'expiresAt')::timestamptz)
      returning id into v_lot;
    insert into ledger_entries (merchant_id, member_id, kind, points, order_id, reason, breakdown, lot_id, created_at)
      values (v_merchant, v_member, c->>'kind', (c->>'points')::int, p->>'orderId', c->>'reason', c->'breakdown', v_lot, v_now);
    v_points := v_points + (c->>'points')::int;
  end loop;
  if (p->>'cashback')::int > 0 then
    insert into credit_entries (merchant_id, member_id, kind, amount, order_id, created_at)
      values (v_merchant, v_member, 'cashback', (p->>'cashback')::int, p->>'orderId', v_now);
  end if;
  update members set
      points_total = points_total + v_points,
      credit_balance = credit_balance + (p->>'cashback')::int,
      tier_name = coalesce(p->>'upgradeTo', tier_name),
      tier_since = case when p->>'upgradeTo' is null then tier_since else v_at end
    where id = v_member;
  return jsonb_build_object('r', 'ok');
end;
$function$;
--> statement-breakpoint
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
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.cl_chat_context(p_channel text, p_user text, p_merchant text, p_claim text, p_now timestamp with time zone, p_points_merchant text, p_spend_from timestamp with time zone, p_expiring_until timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
declare
  v_serving text := p_merchant;
  v_merchant text;
  v_unreachable timestamptz;
  v_member jsonb;
  v_member_id text;
  v_lang text;
  v_points jsonb;
begin
  -- Everything the chat core needs to answer one message, in one round trip (bots/core/chat-context.ts): the
  -- update's de-duplication claim (a replay returns {"duplicate": true}; an error rolls the claim back), the
  -- serving merchant (p_merchant, else cl_serving_merchant()), the linked member (its chat marked reachable
  -- again), the chat's language before linking and, for a member of p_points_merchant, the /points facts.
  if p_claim is not null then
    insert into channel_processed_updates (channel, key, received_at) values (p_channel, p_claim, p_now) on conflict do nothing;
    if not found then
      return '{"duplicate": true}'::jsonb;
    end if;
  end if;

  if v_serving is null then
    v_serving := cl_serving_merchant();
  end if;

  -- Separate statements (not "p is null or …") so each plan probes its index.
  if v_serving is not null then
    select ci.merchant_id, ci.unreachable_at, to_jsonb(m), m.id into v_merchant, v_unreachable, v_member, v_member_id
      from channel_identities ci join members m on m.id = ci.member_id
      where ci.channel = p_channel and ci.user_id = p_user and ci.merchant_id = v_serving
      order by ci.linked_at desc limit 1;
  else
    select ci.merchant_id, ci.unreachable_at, to_jsonb(m), m.id into v_merchant, v_unreachable, v_member, v_member_id
      from channel_identities ci join members m on m.id = ci.member_id
      where ci.channel = p_channel and ci.user_id = p_user
      order by ci.linked_at desc limit 1;
  end if;

  if v_member_id is null then
    select language into v_lang from channel_chat_sessions where channel = p_channel and user_id = p_user;
  else
    -- The user wrote to us again: the chat is reachable (markReachable()).
    if v_unreachable is not null then
      update channel_identities set unreachable_at = null
        where channel = p_channel and user_id = p_user and unreachable_at is not null;
    end if;
    if p_spend_from is not null and v_merchant = p_points_merchant then
      select jsonb_build_object('spend', x.spend, 'pending', x.pending) into v_points
        from cl_member_facts(v_member_id, p_spend_from, p_now, p_now) x;
      v_points := v_points || jsonb_build_object(
        'expiring', (select coalesce(sum(l.remaining), 0) from point_lots l
                     where l.member_id = v_member_id and l.remaining > 0 and l.expires_at > p_now and l.expires_at <= p_expiring_until),
        'firstExpiry', (select to_char(min(l.expires_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from point_lots l
                        where l.member_id = v_member_id and l.remaining > 0 and l.expires_at > p_now and l.expires_at <= p_expiring_until));
    end if;
  end if;

  return jsonb_build_object('serving', v_serving, 'identityMerchantId', v_merchant, 'member', v_member, 'chatLanguage', v_lang, 'points', v_points);
end;
$function$;
