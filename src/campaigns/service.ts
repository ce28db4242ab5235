/**
 * Campaigns: create (draft or scheduled), start (snapshot the recipients into the delivery queue in one INSERT …
 * SELECT over the compiled segment), counts, KPIs and the scheduler entry `runDueCampaigns`.
 */
import { and, eq, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { dateTimeInRange } from "../lib/validate.ts";
import { assertOfferNotForeign } from "./offer-ref.ts";
import type { Db } from "../db/types.ts";
import { newId } from "../lib/ids.ts";
import { conflict, DomainError, notFound, validationError } from "../lib/errors.ts";
import { segmentMembersQuery } from "../segments/compile.ts";
import { compileForMerchant, findSegment } from "../segments/service.ts";
import { num, queryRows, col } from "../db/rows.ts";
import { campaigns, type CampaignStatus, type MessageTemplates, type QuietHours } from "./tables.ts";
import { AttributionDaysSchema, getMessagingSettings, QuietHoursSchema } from "./settings.ts";
import { unknownPlaceholders, PLACEHOLDERS } from "./render.ts";
import { finishDoneCampaigns } from "./delivery.ts";
import { findOne } from "../db/find.ts";
import { newestFirst } from "../db/page.ts";
import { ChannelChoiceSchema, routedMembers } from "./routing.ts";
import { requireZnsTemplate } from "../zns/templates.ts";
import { offerSourcesUsed } from "../zns/render.ts";
import { znsSettings } from "../zns/settings.ts";
import { znsUsedToday } from "../zns/quota.ts";
import type { ZnsOffer } from "./tables.ts";
import type { SendGuard, SendWarning } from "./guard.ts";

const template = z
  .string()
  .trim()
  .min(1)
  .max(4000)
  .superRefine((t, ctx) => {
    const bad = unknownPlaceholders(t);
    if (bad.length > 0)
      ctx.addIssue({
        code: "custom",
        message: `unknown placeholder ${bad.map((b) => `{{${b}}}`).join(", ")}; use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}`,
      });
  });

export const MessageSchema = z
  .strictObject({ vi: template.optional(), en: template.optional() })
  .refine((m) => m.vi !== undefined || m.en !== undefined, { message: "give the text in vi (the fallback) and/or en" })
  .describe(
    "Templates per language; members get theirs, else vi. Placeholders: {{firstName}}, {{name}}, {{points}}, {{tier}}",
  );

export const OfferIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, "letters, digits, _ and - (at most 60)");

/** ZNS options shared by campaigns and journey steps. */
export const ZnsTemplateRefSchema = z
  .string()
  .regex(/^[0-9A-Za-z_-]{1,40}$/, "a registered ZNS template id")
  .describe("A ZNS template registered with PUT /v1/zns/templates/{templateId}; members reached by ZNS get it");

export const ZnsOfferSchema = z
  .strictObject({
    code: z.string().trim().min(1).max(60).optional(),
    expiresOn: z.iso.date().optional(),
  })
  .describe("What the ZNS template's offerCode / offerExpiry parameters show (a shared code and its last day)");

export const CreateCampaignSchema = z.object({
  name: z.string().trim().min(1).max(200),
  segmentId: z.string().min(1).max(100),
  message: MessageSchema,
  offerId: OfferIdSchema.optional(),
  sendAt: dateTimeInRange()
    .nullable()
    .optional()
    .describe("Start sending at this time (status scheduled); absent = draft until POST …/send"),
  controlPercent: z
    .number()
    .min(0)
    .max(50)
    .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, { message: "at most 2 decimal places" })
    .default(0)
    .describe("Share of recipients held out as a control group (chosen deterministically per campaign and member)"),
  quietHours: QuietHoursSchema.nullable()
    .optional()
    .describe("Overrides the merchant's quiet hours for this campaign (null = none)"),
  attributionDays: AttributionDaysSchema.optional().describe(
    "Conversion window after delivery (default: the merchant's, 7)",
  ),
  channel: ChannelChoiceSchema.optional(),
  znsTemplateId: ZnsTemplateRefSchema.optional(),
  znsOffer: ZnsOfferSchema.optional(),
});

export type CreateCampaignInput = z.output<typeof CreateCampaignSchema>;

/**
 * Checks a campaign's or step's channel options: `zns` needs a template; the template must be the merchant's
 * (404 otherwise); offer parameters need `znsOffer` values.
 */
export async function checkZnsOptions(
  db: Db,
  merchantId: string,
  o: { channel: string; znsTemplateId?: string | undefined; znsOffer?: ZnsOffer | undefined },
  prefix = "",
): Promise<void> {
  if (o.channel === "zns" && !o.znsTemplateId)
    throw validationError(
      [{ path: `${prefix}znsTemplateId`, message: "channel zns needs a ZNS template" }],
      `${prefix}znsTemplateId: channel zns needs a ZNS template`,
    );
  if (!o.znsTemplateId) return;
  const t = await requireZnsTemplate(db, merchantId, o.znsTemplateId, `${prefix}znsTemplateId`);
  const missing = offerSourcesUsed(t.params).filter((src) =>
    src === "offerCode" ? !o.znsOffer?.code : !o.znsOffer?.expiresOn,
  );
  if (missing.length > 0) {
    const errors = missing.map((m) => ({
      path: `${prefix}znsOffer.${m === "offerCode" ? "code" : "expiresOn"}`,
      message: `template ${t.templateId} shows ${m}`,
    }));
    throw validationError(errors, `${errors[0]!.path}: ${errors[0]!.message}`);
  }
}

export interface CampaignCounts {
  recipients: number;
  sent: number;
  failed: number;
  blocked: number;
  optedOut: number;
  skippedCap: number;
  control: number;
}

export interface CampaignView {
  id: string;
  name: string;
  status: CampaignStatus;
  segmentId: string;
  message: MessageTemplates;
  offerId: string | null;
  sendAt: string | null;
  controlPercent: number;
  quietHours: QuietHours | null;
  attributionDays: number;
  channel: "auto" | "chat" | "zns";
  znsTemplateId: string | null;
  znsOffer: ZnsOffer | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: CampaignCounts;
  /** Recipients not yet settled (queued, claimed or being sent). */
  pending: number;
  /** Members of the segment reached on no channel (not recipients), by reason. */
  skipped: { total: number; reasons: Record<string, number> };
  /** Per channel: the recipients' outcomes (ZNS also delivered = receipts, and cost). */
  byChannel: Record<string, ChannelCounts>;
}

export interface ChannelCounts extends CampaignCounts {
  pending: number;
  /** Chats: = sent; ZNS: receipts (user_received_message). */
  delivered: number;
  /** ZNS: sent × pricePerMessage (VND); absent on chats. */
  cost?: number;
}

type CampaignRow = typeof campaigns.$inferSelect;

export async function createCampaign(
  db: Db,
  merchantId: string,
  input: CreateCampaignInput,
  now: Date,
): Promise<CampaignView> {
  const seg = await findSegment(db, merchantId, input.segmentId);
  if (!seg) throw notFound("Segment", "segment-not-found");
  if (input.offerId) await assertOfferNotForeign(db, merchantId, input.offerId);
  const channel = input.channel ?? "auto";
  await checkZnsOptions(db, merchantId, { ...input, channel });
  const settings = await getMessagingSettings(db, merchantId);
  const [row] = await db
    .insert(campaigns)
    .values({
      id: newId("cmp"),
      merchantId,
      name: input.name,
      segmentId: seg.id,
      message: input.message,
      offerId: input.offerId ?? null,
      sendAt: input.sendAt ? new Date(input.sendAt) : null,
      controlBasisPoints: Math.round(input.controlPercent * 100),
      quietHours: input.quietHours ?? null,
      attributionDays: input.attributionDays ?? settings.attributionDays,
      channel,
      znsTemplateId: input.znsTemplateId ?? null,
      znsOffer: input.znsOffer ?? null,
      status: input.sendAt ? "scheduled" : "draft",
      createdAt: now,
    })
    .returning();
  return view(row!, emptyTally());
}

const emptyCounts = (): CampaignCounts => ({
  recipients: 0,
  sent: 0,
  failed: 0,
  blocked: 0,
  optedOut: 0,
  skippedCap: 0,
  control: 0,
});

/** Everything counted for one campaign from its delivery rows. */
export interface CampaignTally {
  counts: CampaignCounts;
  pending: number;
  skipped: { total: number; reasons: Record<string, number> };
  byChannel: Record<string, ChannelCounts>;
}

const emptyTally = (): CampaignTally => ({
  counts: emptyCounts(),
  pending: 0,
  skipped: { total: 0, reasons: {} },
  byChannel: {},
});

const emptyChannel = (): ChannelCounts => ({ ...emptyCounts(), pending: 0, delivered: 0 });

function view(c: CampaignRow, t: CampaignTally): CampaignView {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    segmentId: c.segmentId,
    message: c.message,
    offerId: c.offerId,
    sendAt: c.sendAt?.toISOString() ?? null,
    controlPercent: c.controlBasisPoints / 100,
    quietHours: c.quietHours ?? null,
    attributionDays: c.attributionDays,
    channel: c.channel,
    znsTemplateId: c.znsTemplateId,
    znsOffer: c.znsOffer ?? null,
    createdAt: c.createdAt.toISOString(),
    startedAt: c.startedAt?.toISOString() ?? null,
    finishedAt: c.finishedAt?.toISOString() ?? null,
    counts: { ...t.counts, recipients: c.recipients ?? 0 },
    pending: t.pending,
    skipped: t.skipped,
    byChannel: t.byChannel,
  };
}

/** The counts bucket of a delivery state (`unknown` counts as failed); undefined = pending. */
const BUCKET: Record<string, keyof CampaignCounts | "skipped" | undefined> = {
  sent: "sent",
  failed: "failed",
  unknown: "failed",
  blocked: "blocked",
  opted_out: "optedOut",
  skipped_cap: "skippedCap",
  control: "control",
  skipped: "skipped",
};

/**
 * Delivery states → the counts buckets, overall and per channel. Skipped members (no channel) are not recipients;
 * ZNS `delivered` counts receipts and `cost` = sent × the merchant's price per message.
 */
export async function campaignCounts(db: Db, ids: string[]): Promise<Map<string, CampaignTally>> {
  const out = new Map<string, CampaignTally>();
  for (const id of ids) out.set(id, emptyTally());
  if (ids.length === 0) return out;
  const rows = await queryRows(
    db,
    sql`select d.campaign_id, d.channel, d.status, case when d.status = 'skipped' then d.error end as reason,
               count(*) as n, count(zr.delivery_id) as delivered,
               max(mer.settings #>> '{zns,pricePerMessage}') as price
        from deliveries d join merchants mer on mer.id = d.merchant_id
        left join zns_receipts zr on zr.delivery_id = d.id
        where d.campaign_id in (${sql.join(
          ids.map((i) => sql`${i}`),
          sql`, `,
        )}) group by d.campaign_id, d.channel, d.status, 4`,
    z.object({
      campaign_id: z.string(),
      channel: z.string(),
      status: z.string(),
      reason: z.string().nullable(),
      n: z.unknown(),
      delivered: z.unknown(),
      price: z.unknown(),
    }),
  );
  for (const r of rows) {
    const e = out.get(r.campaign_id)!;
    const n = num(r.n);
    const bucket = BUCKET[r.status];
    if (bucket === "skipped") {
      e.skipped.total += n;
      const reason = r.reason ?? "unknown";
      e.skipped.reasons[reason] = (e.skipped.reasons[reason] ?? 0) + n;
      continue;
    }
    const ch = (e.byChannel[r.channel] ??= emptyChannel());
    ch.recipients += n;
    if (bucket) {
      e.counts[bucket] += n;
      ch[bucket] += n;
    } else {
      e.pending += n;
      ch.pending += n;
    }
    if (r.status === "sent") ch.delivered += r.channel === "zns" ? num(r.delivered) : n;
    if (r.channel === "zns") {
      const price = r.price === null || r.price === undefined ? znsSettings.defaults.pricePerMessage : num(r.price);
      ch.cost = (ch.cost ?? 0) + (r.status === "sent" ? n * price : 0);
    }
  }
  return out;
}

export async function findCampaign(db: Db, merchantId: string, id: string): Promise<CampaignRow | undefined> {
  return findOne(db, campaigns, eq(campaigns.id, id), eq(campaigns.merchantId, merchantId));
}

export async function getCampaignView(db: Db, merchantId: string, id: string): Promise<CampaignView> {
  const c = await findCampaign(db, merchantId, id);
  if (!c) throw notFound("Campaign", "campaign-not-found");
  return view(c, (await campaignCounts(db, [c.id])).get(c.id)!);
}

export async function listCampaigns(
  db: Db,
  merchantId: string,
  opts: { limit: number; before?: string | undefined },
): Promise<{ campaigns: CampaignView[]; next: string | null }> {
  const { rows, next } = await newestFirst(db, campaigns, merchantId, opts);
  const counts = await campaignCounts(
    db,
    rows.map((r) => r.id),
  );
  return {
    campaigns: rows.map((r) => view(r, counts.get(r.id)!)),
    next,
  };
}

/**
 * Starts sending: fixes the recipients (members of the segment now routed to a channel by the campaign's channel
 * choice — routing.ts) as delivery rows in one INSERT … SELECT; members with no channel are recorded `skipped`
 * with the reason and are not recipients. Opted-out members are recipients counted `optedOut`, chats
 * known to be unreachable `blocked`, the control group (deterministic hash of campaign and member) `control`; the
 * rest are queued for the delivery worker. Sending or done → 409 already-sent.
 */
export async function startCampaign(
  db: Db,
  merchantId: string,
  campaignId: string,
  now: Date,
  guard?: SendGuard,
): Promise<{ id: string; status: "sending" | "done"; recipients: number; warning?: SendWarning }> {
  return db.transaction(async (tx) => {
    const [c] = await tx
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.id, campaignId), eq(campaigns.merchantId, merchantId)))
      .for("update");
    if (!c) throw notFound("Campaign", "campaign-not-found");
    if (c.status === "sending" || c.status === "done") {
      throw conflict(
        "already-sent",
        "Already sent",
        `Campaign ${c.id} is already ${c.status === "done" ? "sent" : "sending"}`,
        { campaignStatus: c.status },
      );
    }
    if (c.status === "cancelled")
      throw conflict("campaign-cancelled", "Campaign cancelled", `Campaign ${c.id} was cancelled`);
    const seg = await findSegment(tx, merchantId, c.segmentId);
    if (!seg)
      throw new DomainError(
        "conflict",
        "segment-not-found",
        "Segment missing",
        `The campaign's segment ${c.segmentId} no longer exists`,
      );
    // The budget check (injected: src/campaigns/guard.ts) sees the campaign locked, before any row is written.
    const warning = guard ? await guard(tx, merchantId, { kind: "campaign", id: c.id }, now) : undefined;
    const compiled = await compileForMerchant(tx, merchantId, seg.rule, now);
    const members = segmentMembersQuery(compiled, merchantId);
    const at = sql`${now.toISOString()}::timestamptz`;
    const control = sql`((('x' || substr(md5(${c.id}::text || ':' || r.member_id), 1, 8))::bit(32)::bigint % 10000) < ${c.controlBasisPoints}::int)`;
    const routed = routedMembers(members, merchantId, c.channel, c.znsTemplateId !== null);
    await tx.execute(sql`
      insert into deliveries (merchant_id, source, source_key, campaign_id, member_id, channel, chat_id, identity_id, status, error, not_before, created_at, updated_at)
      select ${merchantId}, 'campaign', ${c.id}, ${c.id}, r.member_id, r.channel, r.chat_id, r.identity_id,
             case when r.channel = 'none' then 'skipped'
                  when not r.opted_in then 'opted_out'
                  when r.unreachable_at is not null then 'blocked'
                  when ${control} then 'control'
                  else 'queued' end,
             r.skip_reason, ${at}, ${at}, ${at}
      from (${routed}) r
      on conflict (merchant_id, source_key, member_id) do nothing`);
    const [row] = await queryRows(
      tx,
      sql`select count(*) as n from deliveries where campaign_id = ${c.id} and status <> 'skipped'`,
      z.object({ n: col.num }),
    );
    const recipients = row?.n ?? 0;
    await tx.update(campaigns).set({ status: "sending", recipients, startedAt: now }).where(eq(campaigns.id, c.id));
    const done = await finishDoneCampaigns(tx, now, [c.id]);
    return {
      id: c.id,
      status: done > 0 ? ("done" as const) : ("sending" as const),
      recipients,
      ...(warning ? { warning } : {}),
    };
  });
}

/** Draft or scheduled → cancelled (a campaign that started cannot be recalled). */
export async function cancelCampaign(db: Db, merchantId: string, campaignId: string): Promise<void> {
  const c = await findCampaign(db, merchantId, campaignId);
  if (!c) throw notFound("Campaign", "campaign-not-found");
  if (c.status === "sending" || c.status === "done")
    throw conflict("already-sent", "Already sent", `Campaign ${c.id} is already ${c.status}`);
  await db.update(campaigns).set({ status: "cancelled" }).where(eq(campaigns.id, c.id));
}

/**
 * Scheduler entry (runtime-neutral: Node interval, Workers `scheduled`): starts every scheduled campaign whose
 * sendAt has come. Returns the ids started. One refused by the guard (over a blocking budget) stays scheduled and is
 * tried again on the next pass.
 */
export async function runDueCampaigns(db: Db, now: Date, guard?: SendGuard): Promise<string[]> {
  const due = await db
    .select({ id: campaigns.id, merchantId: campaigns.merchantId })
    .from(campaigns)
    .where(and(eq(campaigns.status, "scheduled"), lt(campaigns.sendAt, new Date(now.getTime() + 1))))
    .orderBy(campaigns.sendAt)
    .limit(100);
  const started: string[] = [];
  for (const c of due) {
    try {
      await startCampaign(db, c.merchantId, c.id, now, guard);
      started.push(c.id);
    } catch (err) {
      if (!(err instanceof DomainError && err.kind === "conflict")) throw err;
    }
  }
  return started;
}

// ---- KPIs ------------------------------------------------------------------------------------------------------

export interface GroupKpis {
  members: number;
  conversions: number;
  conversionRate: number | null;
  orders: number;
  revenue: number;
  /** Offer claims made by the group's members inside their attribution window. */
  claims: number;
}

export interface CampaignKpis {
  attributionDays: number;
  /** The store the order figures are limited to (orders, conversions, revenue, AOV, uplift); null = every order. */
  storeId: string | null;
  delivered: number;
  /** Offer claims (any offer, incl. the campaign's button) by delivered members inside their attribution window. */
  claims: number | null;
  conversions: number;
  conversionRate: number | null;
  orders: number;
  revenue: number;
  aov: number | null;
  control: GroupKpis;
  uplift: {
    conversionRate: number | null;
    relative: number | null;
    incrementalConversions: number | null;
    incrementalRevenue: number | null;
  };
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

/**
 * Attribution: a member converts when they place an order (not fully refunded) within `attributionDays` × 24 h after
 * their delivery (`sent`); the control group is measured from the campaign's start. Revenue = Σ (total − refunds)
 * of those orders; AOV = revenue / orders; uplift compares conversion rates (treated − control). Claims are counted
 * the same way: offer claims made in the member's window (the campaign's button creates one, so do other claims).
 * `storeId` counts only orders placed at that store (claims, made in chat, know no store and stay as they are).
 */
export async function campaignKpis(
  db: Db,
  merchantId: string,
  campaignId: string,
  now: Date,
  storeId: string | null = null,
): Promise<CampaignKpis> {
  const c = await findCampaign(db, merchantId, campaignId);
  if (!c) throw notFound("Campaign", "campaign-not-found");
  const started = (c.startedAt ?? now).toISOString();
  const rows = await queryRows(
    db,
    sql`with d as (
          select member_id, status, coalesce(sent_at, ${started}::timestamptz) as t0
          from deliveries where campaign_id = ${c.id} and status in ('sent', 'control')
        ), o as (
          select d.member_id, d.status, o.id, (o.total - o.refunded_total) as net
          from d join orders o on o.merchant_id = ${merchantId} and o.member_id = d.member_id
          where o.placed_at > d.t0 and o.placed_at <= d.t0 + make_interval(days => ${c.attributionDays}::int)
            and o.placed_at <= ${now.toISOString()}::timestamptz
            and (o.total = 0 or o.refunded_total < o.total)${storeId === null ? sql`` : sql` and o.store_id = ${storeId}`}
        ), cl as (
          select d.status, count(*) as n
          from d join offer_claims oc on oc.merchant_id = ${merchantId} and oc.member_id = d.member_id
          where oc.created_at > d.t0 and oc.created_at <= d.t0 + make_interval(days => ${c.attributionDays}::int)
            and oc.created_at <= ${now.toISOString()}::timestamptz
          group by d.status
        )
        select d.status, count(*) as members,
               (select cl.n from cl where cl.status = d.status) as claims,
               (select count(distinct o.member_id) from o where o.status = d.status) as converters,
               (select count(*) from o where o.status = d.status) as orders,
               (select coalesce(sum(o.net), 0) from o where o.status = d.status) as revenue
        from d group by d.status`,
    z.object({
      status: z.string(),
      members: col.num,
      converters: col.num,
      orders: col.num,
      revenue: col.num,
      claims: col.num,
    }),
  );
  const get = (status: string): GroupKpis => {
    const r = rows.find((x) => x.status === status);
    const members = num(r?.members);
    const conversions = num(r?.converters);
    return {
      members,
      conversions,
      conversionRate: ratio(conversions, members),
      orders: num(r?.orders),
      revenue: num(r?.revenue),
      claims: num(r?.claims),
    };
  };
  const t = get("sent");
  const k = get("control");
  const tRate = t.members > 0 ? t.conversions / t.members : null;
  const kRate = k.members > 0 ? k.conversions / k.members : null;
  const diff = tRate !== null && kRate !== null ? tRate - kRate : null;
  return {
    attributionDays: c.attributionDays,
    storeId,
    delivered: t.members,
    claims: t.claims,
    conversions: t.conversions,
    conversionRate: t.conversionRate,
    orders: t.orders,
    revenue: t.revenue,
    aov: t.orders > 0 ? Math.round(t.revenue / t.orders) : null,
    control: k,
    uplift: {
      conversionRate: diff === null ? null : Math.round(diff * 10_000) / 10_000,
      relative: diff !== null && kRate! > 0 ? Math.round((diff / kRate!) * 10_000) / 10_000 : null,
      incrementalConversions: diff === null ? null : Math.round(diff * t.members * 100) / 100,
      incrementalRevenue:
        t.members > 0 && k.members > 0 ? Math.round(t.revenue - (k.revenue / k.members) * t.members) : null,
    },
  };
}

// ---- cost estimate ---------------------------------------------------------------------------------------------

export interface CampaignEstimate {
  id: string;
  channel: "auto" | "chat" | "zns";
  /** Members of the segment now routed to a channel (what `counts.recipients` would be if sent now). */
  recipients: number;
  /** Per channel: routed members, and how many of them would get a message (not control, opted out or blocked). */
  byChannel: Record<string, { recipients: number; messages: number }>;
  skipped: { total: number; reasons: Record<string, number> };
  zns: {
    templateId: string | null;
    mode: "development" | "production";
    messages: number;
    pricePerMessage: number;
    /** messages × pricePerMessage (VND). */
    cost: number;
    dailyQuota: number | null;
    /** ZNS messages already used today (the merchant's local day). */
    usedToday: number;
    /** Messages that fit in today's remaining quota; the rest wait for the next days. */
    today: number;
    deferred: number;
  };
}

/**
 * What sending the campaign now would do, computed with the same routing as the start (no rows written):
 * recipients per channel, ZNS messages × price = cost, and how the daily quota splits them over days.
 */
export async function estimateCampaign(
  db: Db,
  merchantId: string,
  campaignId: string,
  now: Date,
): Promise<CampaignEstimate> {
  const c = await findCampaign(db, merchantId, campaignId);
  if (!c) throw notFound("Campaign", "campaign-not-found");
  const seg = await findSegment(db, merchantId, c.segmentId);
  if (!seg) throw notFound("Segment", "segment-not-found");
  const members = segmentMembersQuery(await compileForMerchant(db, merchantId, seg.rule, now), merchantId);
  const routed = routedMembers(members, merchantId, c.channel, c.znsTemplateId !== null);
  const control = sql`((('x' || substr(md5(${c.id}::text || ':' || r.member_id), 1, 8))::bit(32)::bigint % 10000) < ${c.controlBasisPoints}::int)`;
  const rows = await queryRows(
    db,
    sql`select r.channel, r.skip_reason, count(*) as n,
               count(*) filter (where r.opted_in and r.unreachable_at is null and not ${control}) as messages
        from (${routed}) r group by r.channel, r.skip_reason`,
    z.object({ channel: z.string(), skip_reason: z.string().nullable(), n: z.unknown(), messages: z.unknown() }),
  );
  const out: CampaignEstimate = {
    id: c.id,
    channel: c.channel,
    recipients: 0,
    byChannel: {},
    skipped: { total: 0, reasons: {} },
    zns: {
      templateId: c.znsTemplateId,
      mode: "development",
      messages: 0,
      pricePerMessage: 0,
      cost: 0,
      dailyQuota: null,
      usedToday: 0,
      today: 0,
      deferred: 0,
    },
  };
  for (const r of rows) {
    const n = num(r.n);
    if (r.channel === "none") {
      out.skipped.total += n;
      out.skipped.reasons[r.skip_reason ?? "unknown"] = (out.skipped.reasons[r.skip_reason ?? "unknown"] ?? 0) + n;
      continue;
    }
    out.recipients += n;
    const ch = (out.byChannel[r.channel] ??= { recipients: 0, messages: 0 });
    ch.recipients += n;
    ch.messages += num(r.messages);
  }
  const zs = await znsSettings.get(db, merchantId);
  const messages = out.byChannel.zns?.messages ?? 0;
  const usedToday = await znsUsedToday(db, merchantId, now);
  const room = zs.dailyQuota === null ? messages : Math.max(0, zs.dailyQuota - usedToday);
  out.zns = {
    templateId: c.znsTemplateId,
    mode: zs.mode,
    messages,
    pricePerMessage: zs.pricePerMessage,
    cost: messages * zs.pricePerMessage,
    dailyQuota: zs.dailyQuota,
    usedToday,
    today: Math.min(messages, room),
    deferred: Math.max(0, messages - room),
  };
  return out;
}
