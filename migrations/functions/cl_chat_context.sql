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
        from cl_member_facts(v_merchant, v_member_id, p_spend_from, p_now, p_now) x;
      v_points := v_points || jsonb_build_object(
        'expiring', (select coalesce(sum(l.remaining), 0) from point_lots l
                     where l.merchant_id = v_merchant and l.member_id = v_member_id and l.remaining > 0 and l.expires_at > p_now and l.expires_at <= p_expiring_until),
        'firstExpiry', (select to_char(min(l.expires_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from point_lots l
                        where l.merchant_id = v_merchant and l.member_id = v_member_id and l.remaining > 0 and l.expires_at > p_now and l.expires_at <= p_expiring_until));
    end if;
  end if;

  return jsonb_build_object('serving', v_serving, 'identityMerchantId', v_merchant, 'member', v_member, 'chatLanguage', v_lang, 'points', v_points);
end;
$function$;
