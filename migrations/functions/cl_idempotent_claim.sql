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
