/**
 * The offers engine's I/O: loads what ranking needs, persists the member's offers (stable ids while valid), claims
 * (one code per offer, idempotent), redemption at the till (`offerCodes` on an order → add-on bonus points once,
 * conversion recorded), the chat port (`listOffersForChat`, `claimOfferForChat`) and proactive pushes under the
 * frequency cap (`pushOfferToMember`).
 *
 * A member's list: the active offers made for their current last order. A GET returns them while any is valid;
 * once all have expired — or the member orders again — a new list is ranked (with the cool-down), persisted and
 * returned. Offers replaced after a new order become `superseded` (kept, still claimable until they expire).
 * All of this runs under a per-member advisory lock, so concurrent GETs produce one list.
 */
import { and, asc, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { products, rewards } from "../db/schema.ts";
import { newCode, newId } from "../lib/ids.ts";
import { conflict, DomainError, notFound } from "../lib/errors.ts";
import { getProgramCached } from "../program/service.ts";
import { effectiveTier, tierRank } from "../program/tiers.ts";
import { sortedTiers, type Program } from "../program/config.ts";
import { netSpend, requireMember } from "../members/service.ts";
import { creditPoints, memberBalance, reversePoints, type MemberRow } from "../ledger/ledger.ts";
import { reversalFor } from "../ledger/earn.ts";
import type { OrderHook, OrderHooks, RefundHook } from "../orders/service.ts";
import { firstName as givenName, toLang, type Lang } from "../messages/render.ts";
import { queryRows, num, col } from "../db/rows.ts";
import { reservePromoSend, releasePromoSend } from "../campaigns/promo.ts";
import { currentModel, bestSellers, ruleColumns, rulesForBasket, textArray } from "../recs/model.ts";
import type { RecsModelRow } from "../recs/build.ts";
import { getOfferSettings, type OfferSettings } from "./settings.ts";
import {
  bundleCandidate,
  DAY_MS,
  HISTORY_DAYS,
  rankOffers,
  tierRankOf,
  type BundleInput,
  type Candidate,
  type ProductInfo,
  type RankingInput,
} from "./ranking.ts";
import { offerText, type OfferFacts } from "./text.ts";
import { findBundle, isLiveBundle, listBundles } from "./catalog.ts";
import { findOne } from "../db/find.ts";
import { offerBundles, offerClaims, offers, productVariants, type OfferKind, type OfferRule } from "./tables.ts";
import { inOffersHoldout } from "./holdout.ts";
import { recsRules } from "../recs/tables.ts";

export type OfferRow = typeof offers.$inferSelect;

/** A bundle row as the ranking reads it. */
function bundleInput(b: typeof offerBundles.$inferSelect): BundleInput {
  return {
    id: b.id,
    name: b.name,
    skus: b.skus,
    price: b.price,
    discountPercent: b.discountPercent,
    bonusPoints: b.bonusPoints,
    minTier: b.minTier,
  };
}

/** One of this member's offers, by id. */
function memberOffer(db: Db, merchantId: string, memberId: string, offerId: string) {
  return findOne(db, offers, eq(offers.id, offerId), eq(offers.merchantId, merchantId), eq(offers.memberId, memberId));
}
export type ClaimRow = typeof offerClaims.$inferSelect;

export interface OfferView {
  id: string;
  kind: OfferKind;
  sku?: string;
  skus: string[];
  name: string | null;
  text: string;
  expiresAt: string;
  basis: OfferRow["basis"];
  price: number | null;
  memberPrice: number | null;
  discountPercent: number | null;
  bonusPoints: number;
  bundleId: string | null;
  rewardId: string | null;
  /** The co-purchase rule the offer came from, and the model version it belonged to. */
  rule: (OfferRule & { modelVersion: number | null }) | null;
  model: { id: string; version: number } | null;
  triggerOrderId: string | null;
  score: number;
  status: OfferRow["status"];
  createdAt: string;
  pushedAt: string | null;
  claim: {
    code: string;
    expiresAt: string;
    orderId: string | null;
    redeemedAt: string | null;
    pointsCredited: number;
  } | null;
  /** The structured facts behind `text` (for other phrasings). */
  facts: OfferFacts;
}

interface RenderCtx {
  lang: Lang;
  firstName: string | null;
  timeZone: string;
}

function factsOf(o: OfferRow, r: RenderCtx, withExpiry: boolean): OfferFacts {
  const stored = o.facts;
  return {
    ...stored,
    firstName: r.firstName,
    timeZone: r.timeZone,
    ...(withExpiry ? { expiresAt: o.expiresAt } : { expiresAt: null }),
  };
}

export function offerView(o: OfferRow, claim: ClaimRow | undefined, r: RenderCtx): OfferView {
  const facts = factsOf(o, r, true);
  return {
    id: o.id,
    kind: o.kind,
    ...(o.sku ? { sku: o.sku } : {}),
    skus: o.skus,
    name: (facts.productName ?? facts.bundleName ?? facts.rewardName ?? null) || null,
    text: offerText(facts, r.lang),
    expiresAt: o.expiresAt.toISOString(),
    basis: o.basis,
    price: o.price,
    memberPrice: o.memberPrice,
    discountPercent: o.discountPercent,
    bonusPoints: o.bonusPoints,
    bundleId: o.bundleId,
    rewardId: o.rewardId,
    rule: o.rule ? { ...o.rule, modelVersion: o.modelVersion } : null,
    model: o.modelId && o.modelVersion !== null ? { id: o.modelId, version: o.modelVersion } : null,
    triggerOrderId: o.triggerOrderId,
    score: o.score,
    status: o.status,
    createdAt: o.createdAt.toISOString(),
    pushedAt: o.pushedAt?.toISOString() ?? null,
    claim: claim
      ? {
          code: claim.code,
          expiresAt: claim.expiresAt.toISOString(),
          orderId: claim.orderId,
          redeemedAt: claim.redeemedAt?.toISOString() ?? null,
          pointsCredited: claim.pointsCredited,
        }
      : null,
    facts: { ...o.facts },
  };
}

/** Serialises offer decisions for one member (transaction-scoped). */
async function lockMemberOffers(tx: Db, memberId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${"offers:" + memberId}::text, 7302))`);
}

/** The member's latest order (by placedAt; ties: the one written last) that is not fully refunded, with its SKUs. */
export async function lastOrderOf(
  db: Db,
  merchantId: string,
  memberId: string,
): Promise<{ id: string; placedAt: Date; skus: string[] } | null> {
  const rows = await queryRows(
    db,
    sql`select o.id, o.placed_at from orders o
        where o.merchant_id = ${merchantId} and o.member_id = ${memberId}
          and exists (select 1 from order_items i where i.order_id = o.id and i.refunded_quantity < i.quantity)
        order by o.placed_at desc, o.created_at desc, (select max(i.id) from order_items i where i.order_id = o.id) desc limit 1`,
    z.object({ id: z.string(), placed_at: col.any }),
  );
  const r = rows[0];
  if (!r) return null;
  const items = await queryRows(
    db,
    sql`select distinct sku from order_items where merchant_id = ${merchantId} and order_id = ${r.id} order by sku`,
    z.object({ sku: z.string() }),
  );
  return {
    id: r.id,
    placedAt: r.placed_at instanceof Date ? r.placed_at : new Date(String(r.placed_at)),
    skus: items.map((i) => i.sku),
  };
}

async function memberFacts(
  db: Db,
  program: Program,
  m: MemberRow,
  now: Date,
): Promise<{ tier: string | null; balance: number }> {
  const spend = await netSpend(db, m, now, program.tierWindowDays);
  const tier = effectiveTier(program, m.tierName, spend);
  const bal = await memberBalance(db, m, now);
  return { tier: tier?.name ?? null, balance: bal.balance };
}

async function loadProducts(db: Db, merchantId: string, skus: Iterable<string>): Promise<Map<string, ProductInfo>> {
  const list = [...new Set(skus)];
  const out = new Map<string, ProductInfo>();
  for (let i = 0; i < list.length; i += 1000) {
    const chunk = list.slice(i, i + 1000);
    const rows = await db
      .select({
        sku: products.sku,
        name: products.name,
        category: products.category,
        price: products.price,
        active: products.active,
      })
      .from(products)
      .where(and(eq(products.merchantId, merchantId), inArray(products.sku, chunk)));
    for (const r of rows) out.set(r.sku, { name: r.name, category: r.category, price: r.price, active: r.active });
  }
  return out;
}

/** Products offered to the member at least `times` times in the last `days` days, never claimed nor bought. */
async function ignoredSkus(
  tx: Db,
  merchantId: string,
  memberId: string,
  now: Date,
  limit: { times: number; days: number },
): Promise<string[]> {
  const rows = await queryRows(
    tx,
    sql`select s.sku from offers o cross join lateral unnest(o.skus) as s(sku)
        where o.merchant_id = ${merchantId} and o.member_id = ${memberId} and o.created_at > ${new Date(now.getTime() - limit.days * DAY_MS).toISOString()}::timestamptz
          and o.expires_at <= ${now.toISOString()}::timestamptz and o.converted_order_id is null
          and not exists (select 1 from offer_claims c where c.merchant_id = o.merchant_id and c.offer_id = o.id)
          and not exists (select 1 from orders ord
                          join order_items i on i.merchant_id = ord.merchant_id and i.order_id = ord.id
                          where ord.merchant_id = o.merchant_id and ord.member_id = o.member_id
                            and ord.placed_at >= o.created_at and i.sku = s.sku)
        group by s.sku having count(*) >= ${limit.times}`,
    z.object({ sku: z.string() }),
  );
  return rows.map((r) => r.sku);
}

/** Whether the member claimed any offer since `since`. */
async function claimedSince(db: Db, merchantId: string, memberId: string, since: Date): Promise<boolean> {
  const rows = await db
    .select({ id: offerClaims.id })
    .from(offerClaims)
    .where(
      and(eq(offerClaims.merchantId, merchantId), eq(offerClaims.memberId, memberId), gt(offerClaims.createdAt, since)),
    )
    .limit(1);
  return rows.length > 0;
}

/** Everything `rankOffers` needs, loaded in a handful of queries. */
export async function loadRankingInput(
  tx: Db,
  merchantId: string,
  member: MemberRow,
  now: Date,
  settings: OfferSettings,
  model: RecsModelRow | undefined,
  lastOrder: { id: string; placedAt: Date; skus: string[] } | null,
): Promise<RankingInput> {
  const program = await getProgramCached(tx, merchantId);
  const mf = await memberFacts(tx, program, member, now);
  const since = new Date(now.getTime() - HISTORY_DAYS * DAY_MS).toISOString();
  const history = (
    await queryRows(
      tx,
      sql`select distinct i.sku from order_items i join orders o on o.id = i.order_id
          where o.merchant_id = ${merchantId} and o.member_id = ${member.id} and o.placed_at > ${since}::timestamptz and i.refunded_quantity < i.quantity`,
      z.object({ sku: z.string() }),
    )
  ).map((r) => r.sku);
  const lastSkus = lastOrder?.skus ?? [];
  const sb = settings.suggestBundles;

  let basketRules: OfferRule[] = [];
  let pairRules: OfferRule[] = [];
  let sellers: { sku: string; count: number }[] = [];
  if (model) {
    basketRules = await rulesForBasket(tx, model.id, lastSkus, 200);
    const candidates = history.filter((h) => !lastSkus.includes(h));
    if (sb.enabled && candidates.length > 0) {
      pairRules = await tx
        .select(ruleColumns)
        .from(recsRules)
        .where(
          and(
            eq(recsRules.modelId, model.id),
            sql`cardinality(${recsRules.lhs}) = 1`,
            sql`${recsRules.lhs}[1] = any(${textArray(candidates)})`,
            sql`${recsRules.lift} >= ${sb.minLift}`,
            sql`${recsRules.confidence} >= ${sb.minConfidence}`,
            sql`${recsRules.count} >= ${sb.minCount}`,
          ),
        )
        .orderBy(desc(sql`${recsRules.lift} * ${recsRules.confidence}`), asc(recsRules.rhs))
        .limit(50);
    }
    sellers = await bestSellers(tx, model.id, 200);
  }

  const bundleRows = await listBundles(tx, merchantId, now);
  const variants = lastSkus.length
    ? await tx
        .select({ sku: productVariants.sku, variantSku: productVariants.variantSku })
        .from(productVariants)
        .where(and(eq(productVariants.merchantId, merchantId), inArray(productVariants.sku, lastSkus)))
        .orderBy(asc(productVariants.variantSku))
    : [];
  const rewardRows = await tx
    .select({ id: rewards.id, name: rewards.name, cost: rewards.cost, minTier: rewards.minTier, stock: rewards.stock })
    .from(rewards)
    .where(and(eq(rewards.merchantId, merchantId), eq(rewards.active, true)));

  const cooldownSince = new Date(now.getTime() - settings.cooldownDays * DAY_MS);
  const recent = await tx
    .select({ skus: offers.skus, bundleId: offers.bundleId, rewardId: offers.rewardId })
    .from(offers)
    .where(
      and(
        eq(offers.merchantId, member.merchantId),
        eq(offers.memberId, member.id),
        gt(offers.createdAt, cooldownSince),
        eq(offers.origin, "engine"),
      ),
    );
  const cooldown = {
    skus: new Set<string>(),
    bundleIds: new Set<string>(),
    rewardIds: new Set<string>(),
    postPurchaseOrderIds: new Set<string>(),
  };
  for (const o of recent) {
    for (const s of o.skus) cooldown.skus.add(s);
    if (o.bundleId) cooldown.bundleIds.add(o.bundleId);
    if (o.rewardId) cooldown.rewardIds.add(o.rewardId);
  }
  // Don't over-suggest: a product the member was offered `times` times lately and never claimed or bought rests.
  for (const sku of await ignoredSkus(tx, member.merchantId, member.id, now, settings.ignoredLimit))
    cooldown.skus.add(sku);
  if (lastOrder) {
    const pp = await tx
      .select({ id: offers.id })
      .from(offers)
      .where(
        and(
          eq(offers.merchantId, member.merchantId),
          eq(offers.memberId, member.id),
          eq(offers.kind, "post-purchase"),
          eq(offers.triggerOrderId, lastOrder.id),
        ),
      )
      .limit(1);
    if (pp.length > 0) cooldown.postPurchaseOrderIds.add(lastOrder.id);
  }

  const skus = new Set<string>([...lastSkus, ...history]);
  for (const r of basketRules) skus.add(r.rhs);
  for (const r of pairRules) skus.add(r.rhs);
  for (const s of sellers) skus.add(s.sku);
  for (const b of bundleRows) for (const s of b.skus) skus.add(s);
  for (const v of variants) skus.add(v.variantSku);
  const productMap = await loadProducts(tx, merchantId, skus);
  const med = await queryRows(
    tx,
    sql`select percentile_cont(0.5) within group (order by price) as m from products where merchant_id = ${merchantId} and price > 0`,
    z.object({ m: col.numOrNull }),
  );
  const medianPrice = med[0]?.m == null ? null : num(med[0].m);

  return {
    now,
    settings,
    currency: program.currency,
    earn: program.earn,
    tiers: sortedTiers(program).map((t) => t.name),
    member: { firstName: givenName(member.name) ?? null, tier: mf.tier, balance: mf.balance },
    lastOrder,
    historySkus: history,
    products: productMap,
    basketRules,
    pairRules,
    bestSellers: sellers,
    bundles: bundleRows.map(bundleInput),
    variants,
    rewards: rewardRows
      .filter((r) => r.stock === null || r.stock > 0)
      .map((r) => ({ id: r.id, name: r.name, cost: r.cost, minTier: r.minTier })),
    medianPrice,
    cooldown,
    model: model ? { id: model.id, version: model.version } : null,
  };
}

function rowFor(
  c: Candidate,
  i: number,
  ctx: {
    merchantId: string;
    memberId: string;
    now: Date;
    triggerOrderId: string | null;
    model: { id: string; version: number } | null;
    origin: "engine" | "campaign";
  },
): typeof offers.$inferInsert {
  return {
    id: newId("ofr"),
    merchantId: ctx.merchantId,
    memberId: ctx.memberId,
    kind: c.kind,
    basis: c.basis,
    sku: c.sku,
    skus: c.skus,
    bundleId: c.bundleId,
    rewardId: c.rewardId,
    triggerOrderId: ctx.triggerOrderId,
    modelId: c.rule ? (ctx.model?.id ?? null) : null,
    modelVersion: c.rule ? (ctx.model?.version ?? null) : null,
    rule: c.rule
      ? {
          lhs: c.rule.lhs,
          rhs: c.rule.rhs,
          count: c.rule.count,
          support: c.rule.support,
          confidence: c.rule.confidence,
          lift: c.rule.lift,
        }
      : null,
    score: Number.isFinite(c.score) ? c.score : 0,
    rank: i,
    price: c.price,
    memberPrice: c.memberPrice,
    discountPercent: c.discountPercent,
    bonusPoints: c.bonusPoints,
    facts: c.facts,
    status: "active",
    origin: ctx.origin,
    createdAt: ctx.now,
    expiresAt: c.expiresAt,
  };
}

async function claimsFor(db: Db, offerIds: string[]): Promise<Map<string, ClaimRow>> {
  if (offerIds.length === 0) return new Map();
  const rows = await db.select().from(offerClaims).where(inArray(offerClaims.offerId, offerIds));
  return new Map(rows.map((c) => [c.offerId, c]));
}

async function renderCtx(db: Db, merchantId: string, m: MemberRow, lang?: Lang): Promise<RenderCtx> {
  const settings = await getOfferSettings(db, merchantId);
  return { lang: lang ?? toLang(m.language), firstName: givenName(m.name) ?? null, timeZone: settings.timezone };
}

/**
 * The member's current offers (at most 3), making and persisting a new list when needed (see the module doc).
 * Never subject to the frequency cap: this is what the member asks for.
 */
export async function currentOfferRows(
  db: Db,
  merchantId: string,
  memberId: string,
  now: Date,
): Promise<{ member: MemberRow; rows: OfferRow[]; settings: OfferSettings }> {
  const member = await requireMember(db, merchantId, memberId);
  const settings = await getOfferSettings(db, merchantId);
  // Offers turned off: none shown (stored ones are kept; claims already made stay valid).
  if (!settings.enabled) return { member, rows: [], settings };
  // The holdout sees no offers (asked or pushed), so the report can measure what offers add.
  if (await inOffersHoldout(db, merchantId, member.id, settings.holdoutPercent)) return { member, rows: [], settings };
  // Outside the transaction: a missing model is built on first use (PGlite has one connection).
  const model = await currentModel(db, merchantId, now, { lazy: true });
  const rows = await db.transaction(async (tx) => {
    await lockMemberOffers(tx, member.id);
    const last = await lastOrderOf(tx, merchantId, member.id);
    // The member's ranked list: read while it is still valid, superseded when a new one is ranked.
    const list = and(eq(offers.memberId, member.id), eq(offers.status, "active"), eq(offers.origin, "engine"));
    const active = await tx
      .select()
      .from(offers)
      .where(and(list, gt(offers.expiresAt, now)))
      .orderBy(asc(offers.rank), asc(offers.id));
    const trigger = last?.id ?? null;
    if (active.length > 0 && active.every((o) => o.triggerOrderId === trigger)) return active;
    // A newer order (or nothing valid left): the old list is superseded and a new one ranked.
    await tx
      .update(offers)
      .set({ status: "superseded" })
      .where(and(eq(offers.merchantId, merchantId), list));
    const input = await loadRankingInput(tx, merchantId, member, now, settings, model, last);
    const chosen = rankOffers(input);
    if (chosen.length === 0) return [];
    const values = chosen.map((c, i) =>
      rowFor(c, i, {
        merchantId,
        memberId: member.id,
        now,
        triggerOrderId: trigger,
        model: input.model,
        origin: "engine",
      }),
    );
    return tx.insert(offers).values(values).returning();
  });
  rows.sort((a, b) => a.rank - b.rank);
  return { member, rows, settings };
}

/** `GET /v1/members/{id}/offers`: the member's offers with text in their language (or `lang`). */
export async function getMemberOffers(
  db: Db,
  merchantId: string,
  memberId: string,
  now: Date,
  opts: { lang?: Lang } = {},
): Promise<OfferView[]> {
  const { member, rows } = await currentOfferRows(db, merchantId, memberId, now);
  const claims = await claimsFor(
    db,
    rows.map((r) => r.id),
  );
  const ctx = await renderCtx(db, merchantId, member, opts.lang);
  return rows.map((r) => offerView(r, claims.get(r.id), ctx));
}

/** One offer of the member (any status, for explainability); 404 for another member's or merchant's. */
export async function getMemberOffer(
  db: Db,
  merchantId: string,
  memberId: string,
  offerId: string,
  opts: { lang?: Lang } = {},
): Promise<OfferView> {
  const member = await requireMember(db, merchantId, memberId);
  const row = await memberOffer(db, merchantId, member.id, offerId);
  if (!row) throw notFound("Offer", "offer-not-found");
  const claims = await claimsFor(db, [row.id]);
  return offerView(row, claims.get(row.id), await renderCtx(db, merchantId, member, opts.lang));
}

/**
 * A campaign or journey button may carry a merchant bundle id (`bnd_…`) instead of a member's offer id: the
 * member then gets (or reuses, while valid) a personal offer for that bundle.
 */
async function materializeBundleOffer(
  tx: Db,
  merchantId: string,
  member: MemberRow,
  bundleId: string,
  now: Date,
): Promise<OfferRow> {
  const existing = await tx
    .select()
    .from(offers)
    .where(
      and(
        eq(offers.memberId, member.id),
        eq(offers.bundleId, bundleId),
        eq(offers.origin, "campaign"),
        gt(offers.expiresAt, now),
      ),
    )
    .orderBy(desc(offers.createdAt))
    .limit(1);
  if (existing[0]) return existing[0];
  const b = await findBundle(tx, merchantId, bundleId);
  if (!b || !isLiveBundle(b, now)) throw notFound("Offer", "offer-not-found");
  const program = await getProgramCached(tx, merchantId);
  const mf = await memberFacts(tx, program, member, now);
  const tiers = sortedTiers(program).map((t) => t.name);
  if (b.minTier && tierRank(program, mf.tier) < tierRank(program, b.minTier)) {
    throw conflict("tier-required", "Tier required", `This offer is for ${b.minTier} members and above`, {
      minTier: b.minTier,
    });
  }
  const settings = await getOfferSettings(tx, merchantId);
  const productMap = await loadProducts(tx, merchantId, b.skus);
  const input = bundleInput(b);
  const validUntil = new Date(now.getTime() + settings.validHours * 3_600_000);
  const c = bundleCandidate(input, {
    products: productMap,
    currency: program.currency,
    tier: mf.tier,
    tierRank: tierRankOf(tiers, mf.tier),
    expiresAt: b.endsAt && b.endsAt < validUntil ? b.endsAt : validUntil,
  });
  const last = await lastOrderOf(tx, merchantId, member.id);
  const [row] = await tx
    .insert(offers)
    .values(
      rowFor(c, 0, {
        merchantId,
        memberId: member.id,
        now,
        triggerOrderId: last?.id ?? null,
        model: null,
        origin: "campaign",
      }),
    )
    .returning();
  return row!;
}

export interface ClaimResult {
  status: 200 | 201;
  body: {
    code: string;
    expiresAt: string;
    offerId: string;
    kind: OfferKind;
    skus: string[];
    bonusPoints: number;
    memberPrice: number | null;
  };
}

/**
 * Claims an offer: one code per offer, idempotent (a second claim returns the same code with 200). Another member's
 * offer → 404 offer-not-found; an expired offer → 409 offer-expired. The code is valid until the offer expires.
 */
export async function claimOffer(
  db: Db,
  merchantId: string,
  memberId: string,
  offerId: string,
  now: Date,
): Promise<ClaimResult> {
  const member = await requireMember(db, merchantId, memberId);
  for (let attempt = 0; ; attempt++) {
    const result = await db.transaction(async (tx): Promise<ClaimResult | undefined> => {
      await lockMemberOffers(tx, member.id);
      let offer: OfferRow | undefined;
      if (offerId.startsWith("bnd_")) offer = await materializeBundleOffer(tx, merchantId, member, offerId, now);
      else offer = await memberOffer(tx, merchantId, member.id, offerId);
      if (!offer) throw notFound("Offer", "offer-not-found");
      const body = (c: ClaimRow) => ({
        code: c.code,
        expiresAt: c.expiresAt.toISOString(),
        offerId: offer.id,
        kind: offer.kind,
        skus: offer.skus,
        bonusPoints: offer.bonusPoints,
        memberPrice: offer.memberPrice,
      });
      if (offer.expiresAt <= now) {
        throw conflict(
          "offer-expired",
          "Offer expired",
          `Offer ${offer.id} expired at ${offer.expiresAt.toISOString()}`,
          { expiresAt: offer.expiresAt.toISOString() },
        );
      }
      const [existing] = await tx.select().from(offerClaims).where(eq(offerClaims.offerId, offer.id)).limit(1);
      if (existing) return { status: 200, body: body(existing) };
      const inserted = await tx
        .insert(offerClaims)
        .values({
          id: newId("ocl"),
          merchantId,
          memberId: member.id,
          offerId: offer.id,
          code: newCode(8),
          createdAt: now,
          expiresAt: offer.expiresAt,
        })
        .onConflictDoNothing()
        .returning();
      if (inserted[0]) return { status: 201, body: body(inserted[0]) };
      return undefined; // a code collision (one in ~10^11): try again with a new code
    });
    if (result) return result;
    if (attempt >= 3)
      throw new DomainError("internal", "internal", "Internal error", "could not allocate a claim code");
  }
}

/**
 * Claiming at a till (`storeId`): an offer (or bundle id) whose bundle is limited to other stores → 409
 * store-not-eligible, before anything is written. Unknown offers pass through (the claim answers its own 404).
 */
export async function requireStoreEligible(db: Db, merchantId: string, offerId: string, storeId: string) {
  const bundleId = offerId.startsWith("bnd_")
    ? offerId
    : (
        await db
          .select({ b: offers.bundleId })
          .from(offers)
          .where(and(eq(offers.id, offerId), eq(offers.merchantId, merchantId)))
          .limit(1)
      )[0]?.b;
  if (!bundleId) return;
  const [b] = await db
    .select({ storeIds: offerBundles.storeIds })
    .from(offerBundles)
    .where(and(eq(offerBundles.id, bundleId), eq(offerBundles.merchantId, merchantId)))
    .limit(1);
  if (b && !storeEligible(b.storeIds, storeId))
    throw conflict("store-not-eligible", "Store not eligible", "This offer is not valid at this store", {
      storeIds: b.storeIds,
    });
}

/** Whether an offer from a bundle limited to `storeIds` (null: every store) may be redeemed at `storeId`. */
const storeEligible = (storeIds: string[] | null, storeId: string | undefined) =>
  storeIds === null || (storeId !== undefined && storeIds.includes(storeId));

/**
 * A claim code as the till sees it (valid, what it is for). 404 for unknown codes and other merchants' codes. With
 * `storeId` (the till's store): a code whose bundle is limited to other stores → 409 store-not-eligible.
 */
export async function claimByCode(db: Db, merchantId: string, code: string, now: Date, storeId?: string) {
  const normalized = code.trim().toUpperCase();
  const rows = await db
    .select({ c: offerClaims, o: offers, storeIds: offerBundles.storeIds })
    .from(offerClaims)
    .innerJoin(offers, eq(offers.id, offerClaims.offerId))
    .leftJoin(offerBundles, and(eq(offerBundles.id, offers.bundleId), eq(offerBundles.merchantId, merchantId)))
    .where(and(eq(offerClaims.merchantId, merchantId), eq(offerClaims.code, normalized)))
    .limit(1);
  const r = rows[0];
  if (!r) throw notFound("Claim code", "claim-not-found");
  if (storeId !== undefined && !storeEligible(r.storeIds, storeId))
    throw conflict("store-not-eligible", "Store not eligible", `Code ${r.c.code} is not valid at this store`, {
      storeIds: r.storeIds,
    });
  const state = r.c.orderId ? "redeemed" : r.c.expiresAt <= now ? "expired" : "open";
  return {
    code: r.c.code,
    state,
    memberId: r.c.memberId,
    offerId: r.o.id,
    kind: r.o.kind,
    skus: r.o.skus,
    memberPrice: r.o.memberPrice,
    price: r.o.price,
    bonusPoints: r.o.bonusPoints,
    expiresAt: r.c.expiresAt.toISOString(),
    orderId: r.c.orderId,
    redeemedAt: r.c.redeemedAt?.toISOString() ?? null,
    storeIds: r.storeIds,
  };
}

// ---- The chat port (bots/core OffersPort) ----

/** `OffersPort.list`: the member's offers for chat — text in the member's language without the expiry (the bot shows it). */
export async function listOffersForChat(
  db: Db,
  merchantId: string,
  memberId: string,
  now: Date,
): Promise<{ id: string; text: string; expiresAt?: Date }[]> {
  const { member, rows } = await currentOfferRows(db, merchantId, memberId, now);
  const ctx = await renderCtx(db, merchantId, member);
  return rows.map((o) => ({ id: o.id, text: offerText(factsOf(o, ctx, false), ctx.lang), expiresAt: o.expiresAt }));
}

/** `OffersPort.claim`: throws a DomainError (not found / conflict) when the offer is gone, expired or not the member's. */
export async function claimOfferForChat(
  db: Db,
  merchantId: string,
  memberId: string,
  offerId: string,
  now: Date,
): Promise<{ code: string; expiresAt: Date }> {
  const r = await claimOffer(db, merchantId, memberId, offerId, now);
  return { code: r.body.code, expiresAt: new Date(r.body.expiresAt) };
}

// ---- Proactive offers under the frequency cap ----

/**
 * How a push is counted against the member's frequency cap. The default is the campaigns module's promo_sends log
 * (shared with campaign messages and journey steps); tests and other runtimes may pass their own.
 */
export interface PromoCapPort {
  reserve(
    db: Db,
    input: { merchantId: string; memberId: string; kind: "offer"; ref: string; now: Date },
  ): Promise<{ ok: true; id: number } | { ok: false }>;
  release(db: Db, id: number): Promise<void>;
}

export const promoSendsCap: PromoCapPort = { reserve: reservePromoSend, release: releasePromoSend };

export type PushResult =
  | { status: "ready"; offer: { id: string; text: string; expiresAt?: Date }; lang: Lang; reservationId: number }
  | { status: "capped" }
  | { status: "none" };

/**
 * For pushing an offer to a member unasked (a proactive message): picks the best offer of the member's current list
 * that was neither pushed nor claimed, and counts it against the frequency cap. `ready` → send `offer.text` now; if
 * the send certainly failed, call `cap.release(db, reservationId)`. `capped` → send nothing (the member had their
 * share of promotional pushes). Offers the member asks for (GET /offers, /offers in chat) never go through here.
 */
export async function pushOfferToMember(
  db: Db,
  merchantId: string,
  memberId: string,
  now: Date,
  cap: PromoCapPort = promoSendsCap,
): Promise<PushResult> {
  const { member, rows, settings } = await currentOfferRows(db, merchantId, memberId, now);
  const claims = await claimsFor(
    db,
    rows.map((r) => r.id),
  );
  const next = rows.find((o) => !o.pushedAt && !claims.has(o.id));
  if (!next) return { status: "none" };
  // A member who just claimed an offer is not pushed another one for a while (don't over-suggest).
  const quietSince = new Date(now.getTime() - settings.claimCooldownHours * 3_600_000);
  if (settings.claimCooldownHours > 0 && (await claimedSince(db, merchantId, member.id, quietSince)))
    return { status: "none" };
  const r = await cap.reserve(db, { merchantId, memberId: member.id, kind: "offer", ref: next.id, now });
  if (!r.ok) return { status: "capped" };
  await db
    .update(offers)
    .set({ pushedAt: now })
    .where(and(eq(offers.id, next.id), isNull(offers.pushedAt)));
  const ctx = await renderCtx(db, merchantId, member);
  return {
    status: "ready",
    offer: { id: next.id, text: offerText(factsOf(next, ctx, false), ctx.lang), expiresAt: next.expiresAt },
    lang: ctx.lang,
    reservationId: r.id,
  };
}

// ---- Redemption at the till: `offerCodes` on an order ----

/**
 * Inside the order's transaction: every code of the member's claims that is open, valid at the order's placedAt, and
 * whose offer's products are all in the order, is redeemed — its bonus points credited once (`bonus` ledger entry,
 * lot dated like the order's own points) and the conversion recorded on the claim and the offer. Codes that do not
 * qualify (unknown, another member's, expired, already used, products missing, guest order) are ignored: the
 * order itself never fails because of a code.
 */
export const redeemOfferCodes: OrderHook = async (tx, ctx) => {
  const codes = [
    ...new Set((ctx.input.offerCodes ?? []).map((c) => c.trim().toUpperCase()).filter((c) => c.length > 0)),
  ];
  if (codes.length === 0 || !ctx.member) return;
  const member = ctx.member;
  const inOrder = new Set(ctx.input.items.map((i) => i.sku));
  const rows = await tx
    .select({ c: offerClaims, o: offers, storeIds: offerBundles.storeIds })
    .from(offerClaims)
    .innerJoin(offers, eq(offers.id, offerClaims.offerId))
    .leftJoin(offerBundles, and(eq(offerBundles.id, offers.bundleId), eq(offerBundles.merchantId, ctx.merchantId)))
    .where(and(eq(offerClaims.merchantId, ctx.merchantId), inArray(offerClaims.code, codes)));
  for (const { c, o, storeIds } of rows) {
    if (c.memberId !== member.id || c.orderId) continue;
    // A bundle limited to stores: only on orders at one of them (an order without a store does not qualify).
    if (!storeEligible(storeIds, ctx.input.storeId)) continue;
    if (ctx.at > c.expiresAt || ctx.at.getTime() < o.createdAt.getTime() - 3_600_000) continue;
    if (!o.skus.every((s) => inOrder.has(s))) continue;
    const points = Math.max(0, o.bonusPoints);
    const done = await tx
      .update(offerClaims)
      .set({ orderId: ctx.orderId, redeemedAt: ctx.now, pointsCredited: points })
      .where(and(eq(offerClaims.id, c.id), isNull(offerClaims.orderId)))
      .returning({ id: offerClaims.id });
    if (done.length === 0) continue;
    await tx
      .update(offers)
      .set({ convertedOrderId: ctx.orderId, convertedAt: ctx.now })
      .where(and(eq(offers.id, o.id), isNull(offers.convertedOrderId)));
    if (points > 0) {
      const availableAt = new Date(ctx.at.getTime() + ctx.program.pendingDays * DAY_MS);
      const expiresAt = ctx.program.pointsExpireDays
        ? new Date(ctx.at.getTime() + ctx.program.pointsExpireDays * DAY_MS)
        : null;
      await creditPoints(tx, member, "bonus", points, {
        at: ctx.now,
        availableAt,
        expiresAt,
        orderId: ctx.orderId,
        reason: `offer ${o.id} (${o.kind}), code ${c.code}`,
        breakdown: { offerId: o.id, kind: o.kind, code: c.code, skus: o.skus },
      });
    }
  }
};

/**
 * A refund of the order that redeemed a code takes back that code's add-on bonus pro rata to the refunded amount
 * (cumulative, floored toward the member, like the order's own points): a full refund takes it all back.
 */
export const reverseOfferBonus: RefundHook = async (tx, ctx) => {
  const claims = await tx
    .select({ points: offerClaims.pointsCredited, offerId: offerClaims.offerId, code: offerClaims.code })
    .from(offerClaims)
    .where(and(eq(offerClaims.orderId, ctx.orderId), eq(offerClaims.merchantId, ctx.merchantId)));
  let reversed = 0;
  for (const c of claims) {
    const points = reversalFor(c.points, ctx.total, ctx.refundedBefore, ctx.refundedAfter);
    if (points <= 0) continue;
    reversed += points;
    await reversePoints(tx, ctx.member, points, {
      at: ctx.now,
      orderId: ctx.orderId,
      refundId: ctx.refundId,
      reason: `refund ${ctx.refundExternalId}: add-on bonus of offer ${c.offerId} (code ${c.code})`,
    });
  }
  return reversed;
};

/**
 * The offers' order and refund hooks, for the runtime to inject (src/runtime): only orders that present a code can
 * redeem one, so the rest keep the one-statement order path.
 */
export const offerOrderHooks: OrderHooks = {
  order: [{ hook: redeemOfferCodes, appliesTo: (input) => (input.offerCodes ?? []).some((c) => c.trim().length > 0) }],
  refund: [reverseOfferBonus],
};

// ---- Statistics ----

export async function offerStats(db: Db, merchantId: string, since: Date) {
  const rows = await queryRows(
    db,
    sql`select o.kind, count(*) as offers, count(o.pushed_at) as pushed, count(c.id) as claimed, count(c.order_id) as redeemed, coalesce(sum(c.points_credited), 0) as points
        from offers o left join offer_claims c on c.offer_id = o.id
        where o.merchant_id = ${merchantId} and o.created_at >= ${since.toISOString()}::timestamptz
        group by o.kind order by o.kind`,
    z.object({
      kind: z.string(),
      offers: col.num,
      pushed: col.num,
      claimed: col.num,
      redeemed: col.num,
      points: col.num,
    }),
  );
  return rows.map((r) => ({
    kind: r.kind as OfferKind,
    offers: num(r.offers),
    pushed: num(r.pushed),
    claimed: num(r.claimed),
    redeemed: num(r.redeemed),
    bonusPoints: num(r.points),
  }));
}
