CREATE TABLE "webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"url" text NOT NULL,
	"events" jsonb NOT NULL,
	"secret_sealed" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"endpoint_id" text NOT NULL,
	"event_type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "webhook_endpoints_merchant_idx" ON "webhook_endpoints" USING btree ("merchant_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "webhook_messages_due_idx" ON "webhook_messages" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_messages_endpoint_idx" ON "webhook_messages" USING btree ("endpoint_id","created_at");--> statement-breakpoint
-- Hand-written (issue 15): the outbox trigger function (source: migrations/functions/cl_webhook_outbox.sql) and
-- its triggers on the ledger tables.
CREATE OR REPLACE FUNCTION public.cl_webhook_outbox()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
declare
  v_type text;
  v_at timestamptz;
  v_data jsonb;
begin
  -- The transactional outbox (docs/webhooks.md): one webhook_messages row per endpoint subscribed to the event,
  -- written by the statement that changed the ledger, so it commits or rolls back with it. Which event a row is:
  if tg_table_name = 'ledger_entries' then
    v_type := case new.kind
      when 'earn' then 'points.earned' when 'bonus' then 'points.earned' when 'redeem' then 'points.redeemed'
      when 'refund' then 'points.reversed' when 'expire' then 'points.expired' else 'points.adjusted' end;
  elsif tg_table_name = 'members' then
    v_type := case tg_op when 'INSERT' then 'member.created' else 'tier.changed' end;
  elsif tg_table_name = 'redemptions' then
    v_type := case tg_op when 'INSERT' then 'reward.redeemed' else 'voucher.used' end;
  else
    v_type := 'offer.claimed';
  end if;
  -- A merchant without a subscribed endpoint pays this one index probe and nothing else.
  if not exists (select 1 from webhook_endpoints e
                 where e.merchant_id = new.merchant_id and e.deleted_at is null and e.events ? v_type) then
    return null;
  end if;
  if v_type like 'points.%' then
    v_at := new.created_at;
    v_data := jsonb_build_object('entryId', new.id, 'memberId', new.member_id, 'kind', new.kind,
      'points', new.points, 'orderId', new.order_id,
      'orderExternalId', (select o.external_id from orders o where o.id = new.order_id),
      'refundId', new.refund_id, 'redemptionId', new.redemption_id);
  elsif v_type = 'member.created' then
    v_at := new.created_at;
    v_data := jsonb_build_object('memberId', new.id, 'externalId', new.external_id, 'phone', new.phone,
      'name', new.name, 'language', new.language);
  elsif v_type = 'tier.changed' then
    v_at := coalesce(new.tier_since, now());
    v_data := jsonb_build_object('memberId', new.id, 'from', old.tier_name, 'to', new.tier_name);
  elsif v_type = 'reward.redeemed' then
    v_at := new.created_at;
    v_data := jsonb_build_object('redemptionId', new.id, 'memberId', new.member_id, 'rewardId', new.reward_id,
      'pointsSpent', new.points_spent, 'code', new.code,
      'expiresAt', to_char(new.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
  elsif v_type = 'voucher.used' then
    v_at := new.used_at;
    v_data := jsonb_build_object('redemptionId', new.id, 'memberId', new.member_id, 'rewardId', new.reward_id,
      'code', new.code);
  else
    v_at := new.created_at;
    v_data := jsonb_build_object('claimId', new.id, 'memberId', new.member_id, 'offerId', new.offer_id,
      'code', new.code, 'expiresAt', to_char(new.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
  end if;
  insert into webhook_messages (id, merchant_id, endpoint_id, event_type, payload, next_attempt_at, created_at)
    select 'msg_' || replace(gen_random_uuid()::text, '-', ''), new.merchant_id, e.id, v_type,
           jsonb_build_object('type', v_type,
             'timestamp', to_char(v_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', v_data),
           v_at, v_at
    from webhook_endpoints e
    where e.merchant_id = new.merchant_id and e.deleted_at is null and e.events ? v_type;
  return null;
end
$function$;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_webhooks AFTER INSERT ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION cl_webhook_outbox();--> statement-breakpoint
CREATE TRIGGER members_created_webhooks AFTER INSERT ON members
  FOR EACH ROW EXECUTE FUNCTION cl_webhook_outbox();--> statement-breakpoint
CREATE TRIGGER members_tier_webhooks AFTER UPDATE OF tier_name ON members
  FOR EACH ROW WHEN (old.tier_name IS DISTINCT FROM new.tier_name) EXECUTE FUNCTION cl_webhook_outbox();--> statement-breakpoint
CREATE TRIGGER redemptions_webhooks AFTER INSERT ON redemptions
  FOR EACH ROW EXECUTE FUNCTION cl_webhook_outbox();--> statement-breakpoint
CREATE TRIGGER redemptions_used_webhooks AFTER UPDATE OF used_at ON redemptions
  FOR EACH ROW WHEN (old.used_at IS NULL AND new.used_at IS NOT NULL) EXECUTE FUNCTION cl_webhook_outbox();--> statement-breakpoint
CREATE TRIGGER offer_claims_webhooks AFTER INSERT ON offer_claims
  FOR EACH ROW EXECUTE FUNCTION cl_webhook_outbox();
