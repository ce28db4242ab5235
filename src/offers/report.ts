/**
 * What offers sell (`GET /v1/offers/report`): for the offers made in a period, per kind, shown → claimed → bought
 * (the claimed offer's products on a later order of the member within the claim's validity, matched by its code or
 * by SKU; fully refunded orders don't count, partly refunded ones pro rata) → revenue and margin; and, when the
 * merchant keeps a holdout, what members who saw offers spent against members who saw none.
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { queryRows } from "../db/rows.ts";
import { holdoutBound } from "./holdout.ts";
import { OFFER_KINDS, type OfferKind } from "./tables.ts";
import { describedInts } from "../lib/schemas/fields.ts";

const int = z.coerce.number();

const KindRow = z.object({
  kind: z.enum(OFFER_KINDS),
  offers: int,
  members: int,
  pushed: int,
  claimed: int,
  bought: int,
  revenue: int,
  margin: int,
  revenue_with_margin: int,
  bonus_points: int,
});

const GroupRow = z.object({ holdout: z.boolean(), members: int, buyers: int, revenue: int });

export const OfferFunnel = z.object({
  ...describedInts({
    offers: "Offers shown (made for a member: asked for in chat/API, pushed or sent)",
    members: "Members they were shown to",
    pushed: "Of which pushed unasked",
  }),
  claimed: z.number().int(),
  ...describedInts({
    bought: "Claimed offers whose products the member then bought within the claim's validity",
    revenue: "Net revenue of the bought offer products (minor units, after refunds)",
    margin: "Gross margin of that revenue, for products whose catalog margin is known (minor units)",
    revenueWithMargin: "The part of `revenue` whose margin is known",
    bonusPoints: "Add-on bonus points credited for the claims",
  }),
  claimRate: z.number().nullable().describe("claimed / offers"),
  buyRate: z.number().nullable().describe("bought / claimed"),
});

const HoldoutGroup = z.object({
  members: z.number().int(),
  buyers: z.number().int().describe("Members with an order in the period"),
  revenue: z.number().int().describe("Their net revenue in the period (minor units)"),
  revenuePerMember: z.number().int(),
});

export const OfferReport = z.object({
  since: z.string(),
  until: z.string(),
  storeId: z
    .string()
    .nullable()
    .describe("The store whose orders count as bought and as holdout revenue (?storeId=); null = every order"),
  kinds: z.array(OfferFunnel.extend({ kind: z.enum(OFFER_KINDS) })),
  total: OfferFunnel,
  offersPerMemberPerWeek: z
    .number()
    .nullable()
    .describe("Offers shown per member reached per week (don't over-suggest)"),
  holdout: z
    .object({
      percent: z.number(),
      offered: HoldoutGroup.describe("Members outside the holdout"),
      holdout: HoldoutGroup.describe("Members who see no offers"),
      upliftPerMember: z.number().int().describe("offered.revenuePerMember − holdout.revenuePerMember"),
      upliftPercent: z.number().nullable(),
    })
    .nullable()
    .describe("null when the merchant keeps no holdout (offers settings holdoutPercent = 0)"),
});
export type OfferReportT = z.output<typeof OfferReport>;

const rate = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

function funnel(r: Omit<z.output<typeof KindRow>, "kind">): z.output<typeof OfferFunnel> {
  return {
    offers: r.offers,
    members: r.members,
    pushed: r.pushed,
    claimed: r.claimed,
    bought: r.bought,
    revenue: r.revenue,
    margin: r.margin,
    revenueWithMargin: r.revenue_with_margin,
    bonusPoints: r.bonus_points,
    claimRate: rate(r.claimed, r.offers),
    buyRate: rate(r.bought, r.claimed),
  };
}

export async function offerReport(
  db: Db,
  merchantId: string,
  since: Date,
  until: Date,
  holdoutPercent: number,
  storeId: string | null = null,
): Promise<OfferReportT> {
  const from = since.toISOString();
  const to = until.toISOString();
  // Offers are shown and claimed in chat (no store): a store limits the orders that buy them.
  const atStore = (alias: string) => (storeId === null ? sql`` : sql` and ${sql.raw(alias)}.store_id = ${storeId}`);
  // One statement per kind: the first order that bought a claimed offer (its code first, else its products).
  const kindSql = (grouped: boolean) => sql`
    with o as (
      select o.id, o.kind, o.member_id, o.skus, o.pushed_at, o.converted_order_id, c.id as claim_id,
             c.created_at as claimed_at, c.expires_at as claim_expires, coalesce(c.points_credited, 0) as points
      from offers o left join offer_claims c on c.offer_id = o.id
      where o.merchant_id = ${merchantId} and o.created_at >= ${from}::timestamptz and o.created_at <= ${to}::timestamptz
    ), conv as (
      select o.*, (
        select ord.id from orders ord
        where o.claim_id is not null and ord.merchant_id = ${merchantId} and ord.member_id = o.member_id
          and ord.refunded_total < ord.total${atStore("ord")}
          and (ord.id = o.converted_order_id
               or (cardinality(o.skus) > 0 and ord.placed_at >= o.claimed_at and ord.placed_at <= o.claim_expires
                   and not exists (select 1 from unnest(o.skus) s(sku)
                                   where not exists (select 1 from order_items i where i.order_id = ord.id and i.sku = s.sku))))
        order by (ord.id = o.converted_order_id) desc, ord.placed_at, ord.id limit 1) as order_id
      from o
    ), rev as (
      select conv.id,
        sum((i.quantity * i.unit_price - i.discount)::numeric * (ord.total - ord.refunded_total) / ord.total) as revenue,
        sum((i.quantity * i.unit_price - i.discount)::numeric * (ord.total - ord.refunded_total) / ord.total * p.margin / 100)
          filter (where p.margin is not null) as margin,
        sum((i.quantity * i.unit_price - i.discount)::numeric * (ord.total - ord.refunded_total) / ord.total)
          filter (where p.margin is not null) as revenue_with_margin
      from conv join orders ord on ord.id = conv.order_id
      join order_items i on i.order_id = ord.id and (cardinality(conv.skus) = 0 or i.sku = any(conv.skus))
      left join products p on p.merchant_id = ${merchantId} and p.sku = i.sku
      group by conv.id
    )
    select ${grouped ? sql`conv.kind,` : sql``} count(*) as offers, count(distinct conv.member_id) as members,
      count(conv.pushed_at) as pushed, count(conv.claim_id) as claimed, count(conv.order_id) as bought,
      coalesce(floor(sum(rev.revenue)), 0) as revenue, coalesce(floor(sum(rev.margin)), 0) as margin,
      coalesce(floor(sum(rev.revenue_with_margin)), 0) as revenue_with_margin,
      coalesce(sum(conv.points), 0) as bonus_points
    from conv left join rev on rev.id = conv.id
    ${grouped ? sql`group by conv.kind order by conv.kind` : sql``}`;
  const kinds = await queryRows(db, kindSql(true), KindRow);
  const [t] = await queryRows(db, kindSql(false), KindRow.omit({ kind: true }));
  const total = funnel(
    t ?? {
      offers: 0,
      members: 0,
      pushed: 0,
      claimed: 0,
      bought: 0,
      revenue: 0,
      margin: 0,
      revenue_with_margin: 0,
      bonus_points: 0,
    },
  );
  const weeks = (until.getTime() - since.getTime()) / (7 * 86_400_000);
  return {
    since: from,
    until: to,
    storeId,
    kinds: kinds.map((k) => ({ kind: k.kind as OfferKind, ...funnel(k) })),
    total,
    offersPerMemberPerWeek:
      total.members > 0 && weeks > 0 ? Math.round((total.offers / total.members / weeks) * 100) / 100 : null,
    holdout:
      holdoutPercent > 0 ? await holdoutComparison(db, merchantId, from, to, holdoutPercent, atStore("o")) : null,
  };
}

async function holdoutComparison(db: Db, merchantId: string, from: string, to: string, percent: number, atStore: SQL) {
  const rows = await queryRows(
    db,
    sql`select cl_offer_bucket(${merchantId}, m.id) < ${holdoutBound(percent)} as holdout,
          count(distinct m.id) as members, count(distinct o.member_id) as buyers,
          coalesce(sum(o.total - o.refunded_total), 0) as revenue
        from members m
        left join orders o on o.member_id = m.id and o.merchant_id = ${merchantId}
          and o.placed_at >= ${from}::timestamptz and o.placed_at <= ${to}::timestamptz${atStore}
        where m.merchant_id = ${merchantId}
        group by 1`,
    GroupRow,
  );
  const group = (h: boolean) => {
    const r = rows.find((x) => x.holdout === h) ?? { members: 0, buyers: 0, revenue: 0 };
    return {
      members: r.members,
      buyers: r.buyers,
      revenue: r.revenue,
      revenuePerMember: r.members > 0 ? Math.floor(r.revenue / r.members) : 0,
    };
  };
  const offered = group(false);
  const holdout = group(true);
  const uplift = offered.revenuePerMember - holdout.revenuePerMember;
  return {
    percent,
    offered,
    holdout,
    upliftPerMember: uplift,
    upliftPercent: holdout.revenuePerMember > 0 ? Math.round((uplift / holdout.revenuePerMember) * 10_000) / 100 : null,
  };
}
