CREATE OR REPLACE FUNCTION public.cl_offer_bucket(p_merchant text, p_member text)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
AS $function$
  -- A member's offer bucket, 0–9999, stable for the merchant and member (md5, not hashtext, so it never changes
  -- with the server version). Members in buckets below holdoutPercent × 100 are the offers holdout.
  select (('x' || substr(md5(p_merchant || ':' || p_member), 1, 8))::bit(32)::bigint % 10000)::int
$function$;
