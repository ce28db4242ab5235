CREATE OR REPLACE FUNCTION public.cl_idempotent_replay(p_merchant text, p_scope text, p_key text)
 RETURNS TABLE(request_hash text, status integer, response text)
 LANGUAGE sql
 STABLE
AS $function$
  -- The stored request hash and response of an idempotent write (none: the key is new). Inlined by the planner.
  select k.request_hash, k.status, k.response from idempotency_keys k
    where k.merchant_id = p_merchant and k.scope = p_scope and k.key = p_key
$function$;
