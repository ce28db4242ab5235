-- Everything the chat core needs to answer one message, in one statement (bots/core/chat-context.ts): the update's
-- de-duplication claim, the serving merchant, the linked member (its chat marked reachable again), the language the
-- chat chose before linking and, when asked for, the member's /points facts. Plans inside a plpgsql function are
-- cached per connection, so a message costs one round trip and no re-planning.
--   p_claim           de-duplication key (channel_processed_updates); null = no claim. A replay → {"duplicate": true}
--                     and nothing else happens; an error anywhere rolls the claim back (the platform may re-send).
--   p_merchant        the merchant the bot serves; null = resolve it like servingMerchant() (the only merchant, else
--                     the only non-demo one).
--   p_points_merchant the merchant whose tier window p_spend_from was computed for: the facts come back only for a
--                     member of that merchant. Same sub-selects as memberView().
create or replace function cl_chat_context(
  p_channel text, p_user text, p_merchant text, p_claim text, p_now timestamptz,
  p_points_merchant text, p_spend_from timestamptz, p_expiring_until timestamptz
) returns jsonb
language plpgsql
as $$
declare
  v_serving text := p_merchant;
  v_merchant text;
  v_unreachable timestamptz;
  v_member jsonb;
  v_member_id text;
  v_lang text;
  v_points jsonb;
begin
  if p_claim is not null then
    insert into channel_processed_updates (channel, key, received_at) values (p_channel, p_claim, p_now) on conflict do nothing;
    if not found then
      return '{"duplicate": true}'::jsonb;
    end if;
  end if;

  if v_serving is null then
    if (select count(*) from (select 1 from merchants limit 2) a) = 1 then
      select id into v_serving from merchants limit 1;
    else
      select case when count(*) = 1 then min(r.id) end into v_serving from (select id from merchants where is_demo = false limit 2) r;
    end if;
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
      v_points := jsonb_build_object(
        'spend', (select coalesce(sum(o.total - o.refunded_total), 0) from orders o
                  where o.member_id = v_member_id and o.placed_at > p_spend_from and o.placed_at <= p_now),
        'pending', (select coalesce(sum(l.remaining), 0) from point_lots l
                    where l.member_id = v_member_id and l.remaining > 0 and l.available_at > p_now),
        'expiring', (select coalesce(sum(l.remaining), 0) from point_lots l
                     where l.member_id = v_member_id and l.remaining > 0 and l.expires_at > p_now and l.expires_at <= p_expiring_until),
        'firstExpiry', (select to_char(min(l.expires_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from point_lots l
                        where l.member_id = v_member_id and l.remaining > 0 and l.expires_at > p_now and l.expires_at <= p_expiring_until));
    end if;
  end if;

  return jsonb_build_object('serving', v_serving, 'identityMerchantId', v_merchant, 'member', v_member, 'chatLanguage', v_lang, 'points', v_points);
end;
$$;
