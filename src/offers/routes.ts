/** HTTP: members' offers and claims, claim-code lookup, offer settings, bundles, variant links, stats. */
import { z } from "zod";
import { apiGroup, created, found, listOf, ok, settingsRoutes, createdOrOk } from "../http/route.ts";
import { readJson } from "../http/validate.ts";
import { id } from "../lib/validate.ts";
import { OfferSettingsSchema, getOfferSettings, offerSettings } from "./settings.ts";
import {
  BundleView,
  CreateBundleSchema,
  UpdateBundleSchema,
  VariantsSchema,
  VariantsView,
  bundleView,
  createBundle,
  getVariants,
  listBundles,
  putVariants,
  requireBundle,
  updateBundle,
} from "./catalog.ts";
import {
  claimByCode,
  claimOffer,
  getMemberOffer,
  getMemberOffers,
  offerStats,
  requireStoreEligible,
} from "./service.ts";
import { OfferReport, offerReport } from "./report.ts";
import { storeFilter } from "../stores/service.ts";
import { storeFilterParam } from "../stores/schemas.ts";

const api = apiGroup("Offers");

const KINDS = ["cross-sell", "bundle", "upsell", "post-purchase", "tier-exclusive", "nudge"] as const;
const Kind = z.enum(KINDS);

const RuleView = z.object({
  lhs: z.array(z.string()),
  rhs: z.string(),
  count: z.number().int(),
  support: z.number(),
  confidence: z.number(),
  lift: z.number(),
  modelVersion: z.number().int().nullable(),
});

export const OfferViewSchema = z.object({
  id: z.string(),
  kind: Kind,
  sku: z.string().optional().describe("Single-product offers: the product"),
  skus: z.array(z.string()).describe("Every product the offer is about (empty: any order qualifies)"),
  name: z.string().nullable(),
  text: z.string().describe("In the member's language (vi default, en), from deterministic templates"),
  expiresAt: z.string(),
  basis: z
    .enum(["rule", "best-seller", "merchant", "suggested", "variant", "reward", "order"])
    .describe("Where it came from"),
  price: z.number().int().nullable(),
  memberPrice: z.number().int().nullable(),
  discountPercent: z.number().int().nullable(),
  bonusPoints: z
    .number()
    .int()
    .describe("Credited once when the claim code is used on an order with the offer's products"),
  bundleId: z.string().nullable(),
  rewardId: z.string().nullable(),
  rule: RuleView.nullable().describe(
    "The co-purchase rule (with its model version) behind a cross-sell or suggested bundle",
  ),
  model: z.object({ id: z.string(), version: z.number().int() }).nullable(),
  triggerOrderId: z.string().nullable().describe("The member's last order when the offer was made"),
  score: z.number(),
  status: z.enum(["active", "superseded"]),
  createdAt: z.string(),
  pushedAt: z.string().nullable(),
  claim: z
    .object({
      code: z.string(),
      expiresAt: z.string(),
      orderId: z.string().nullable(),
      redeemedAt: z.string().nullable(),
      pointsCredited: z.number().int(),
    })
    .nullable(),
  facts: z.record(z.string(), z.unknown()).describe("Structured facts the text is rendered from"),
});

const LangQuery = z.object({
  lang: z.enum(["vi", "en"]).optional().describe("Override the member's language for `text`"),
});

api.get(
  "/v1/members/{id}/offers",
  {
    summary: "The member's personalised offers (at most 3)",
    description:
      "Ranked from the co-purchase model (cross-sell from rules on the member's last order, best sellers of its categories as a fallback), merchant bundles and tier-exclusive deals, linked upsell variants, a post-purchase offer in the hours after an order and a nudge towards the closest reward. Never a product of the member's last order; a product offered is not offered again for cooldownDays. Offers are persisted: repeated GETs return the same offers (same ids) while they are valid; a new list is made after the member orders again or when all have expired. Not subject to the frequency cap (the member asked).",
    query: LangQuery,
    responses: ok("Offers, best first", listOf("offers", OfferViewSchema), { 404: "member-not-found" }),
  },
  async ({ db, merchantId, now, param, query: q }) => {
    const list = await getMemberOffers(db, merchantId, param("id"), now, q.lang ? { lang: q.lang } : {});
    return { offers: list };
  },
);

api.get(
  "/v1/members/{id}/offers/{offerId}",
  {
    summary:
      "One of the member's offers, also after it was superseded or expired (with the rule and model version behind it)",
    query: LangQuery,
    responses: found("The offer", OfferViewSchema, "member-not-found / offer-not-found"),
  },
  async ({ db, merchantId, param, query: q }) =>
    getMemberOffer(db, merchantId, param("id"), param("offerId"), q.lang ? { lang: q.lang } : {}),
);

const ClaimView = z.object({
  code: z.string().describe("Show at the till; POST /v1/orders with offerCodes: [code]"),
  expiresAt: z.string(),
  offerId: z.string(),
  kind: Kind,
  skus: z.array(z.string()),
  bonusPoints: z.number().int(),
  memberPrice: z.number().int().nullable(),
});

api.post(
  "/v1/members/{id}/offers/{offerId}/claims",
  {
    summary: "Claim an offer: a code for the till (no body)",
    description:
      "storeId (query, the till's store): an offer whose bundle is limited to other stores → 409 store-not-eligible, nothing claimed. Idempotent per member and offer: the first claim → 201, later ones → 200 with the same code. The code is valid until the offer expires; used on an order (`offerCodes`) that contains the offer's products within that time, it credits the offer's bonus points once and records the conversion. `offerId` may also be a merchant bundle id (`bnd_…`, e.g. from a campaign button): the member then gets a personal offer for it. Another member's offer → 404 offer-not-found; an expired offer → 409 offer-expired.",
    responses: createdOrOk(
      ClaimView,
      { 201: "Claimed now", 200: "Already claimed: the same code" },
      { 404: "member-not-found / offer-not-found", 409: "offer-expired, tier-required, store-not-eligible" },
    ),
    query: z.object({ storeId: id().optional() }),
  },
  async ({ c, db, merchantId, now, param, query }) => {
    await readJson(c); // no body is needed; malformed JSON is still a 400
    if (query.storeId) await requireStoreEligible(db, merchantId, param("offerId"), query.storeId);
    const r = await claimOffer(db, merchantId, param("id"), param("offerId"), now);
    return c.json(r.body, r.status);
  },
);

api.get(
  "/v1/offers/claims/{code}",
  {
    summary: "Look up a claim code at the till (state open / redeemed / expired, products, member price, bonus points)",
    description:
      "storeId (the till's store): a code whose bundle is limited to other stores (storeIds) → 409 store-not-eligible; such a code is also ignored on an order placed elsewhere (or without a storeId).",
    query: z.object({ storeId: id().optional() }),
    responses: ok(
      "The claim",
      z.object({
        code: z.string(),
        state: z.enum(["open", "redeemed", "expired"]),
        memberId: z.string(),
        offerId: z.string(),
        kind: Kind,
        skus: z.array(z.string()),
        memberPrice: z.number().int().nullable(),
        price: z.number().int().nullable(),
        bonusPoints: z.number().int(),
        expiresAt: z.string(),
        orderId: z.string().nullable(),
        redeemedAt: z.string().nullable(),
        storeIds: z.array(z.string()).nullable().describe("Stores the code redeems at (null: every store)"),
      }),
      { 404: "claim-not-found (also for another merchant's code)", 409: "store-not-eligible" },
    ),
  },
  ({ db, merchantId, now, param, query }) => claimByCode(db, merchantId, param("code"), now, query.storeId),
);

settingsRoutes(api, "/v1/offers/settings", OfferSettingsSchema, offerSettings, {
  get: { summary: "The merchant's offer settings (defaults until set)", answer: "Settings" },
  put: {
    summary: "Replace the offer settings (fields left out take their defaults)",
    description:
      "Validity, cool-down, discounts and bonus points per kind, kinds on/off, suggested bundles, nudge distance, ranking margins. Applies to offer lists made from now on.",
    answer: "The settings",
  },
});

const StatsQuery = z.object({ days: z.coerce.number().int().min(1).max(3660).default(30) });
api.get(
  "/v1/offers/stats",
  {
    summary: "Offers made, pushed, claimed and redeemed per kind over the last `days` (default 30)",
    query: StatsQuery,
    responses: ok(
      "Per kind",
      z.object({
        since: z.string(),
        kinds: z.array(
          z.object({
            kind: Kind,
            offers: z.number().int(),
            pushed: z.number().int(),
            claimed: z.number().int(),
            redeemed: z.number().int(),
            bonusPoints: z.number().int(),
          }),
        ),
      }),
    ),
  },
  async ({ db, merchantId, now, query: q }) => {
    const since = new Date(now.getTime() - q.days * 86_400_000);
    return { since: since.toISOString(), kinds: await offerStats(db, merchantId, since) };
  },
);

const ReportQuery = z.object({
  days: z.coerce.number().int().min(1).max(3660).default(30),
  storeId: storeFilterParam(
    "an offer counts as bought only by an order at this store, and the holdout comparison counts that store's orders. Offers shown and claimed stay merchant-wide (claims are made in chat).",
  ),
});
api.get(
  "/v1/offers/report",
  {
    summary: "What offers sell: shown → claimed → bought → revenue and margin per kind, and uplift over the holdout",
    description:
      "Offers made in the last `days` (default 30). An offer is bought when the member, after claiming it, orders its products within the claim's validity (by the claim code, or by SKU); fully refunded orders don't count, partly refunded ones pro rata. With a holdout (offers settings `holdoutPercent`), the net revenue per member of members who see offers is compared with members who see none.",
    query: ReportQuery,
    responses: ok("The report", OfferReport),
  },
  async ({ db, merchantId, now, query: q }) => {
    const settings = await getOfferSettings(db, merchantId);
    const since = new Date(now.getTime() - q.days * 86_400_000);
    const storeId = await storeFilter(db, merchantId, q.storeId);
    return await offerReport(db, merchantId, since, now, settings.holdoutPercent, storeId);
  },
);

api.post(
  "/v1/bundles",
  {
    summary: 'Define a bundle: a combo at a member price ("combo −20%"), or with minTier a tier-exclusive deal',
    description:
      "Bundles become offers for members who did not just buy any of their products; with minTier, only for members of that tier or above (kind tier-exclusive). A bundle id can also be a campaign's offerId.",
    body: CreateBundleSchema,
    responses: created("The bundle", BundleView),
  },
  async ({ db, merchantId, now, body: input }) => bundleView(await createBundle(db, merchantId, input, now)),
);

api.get(
  "/v1/bundles",
  {
    summary: "The merchant's bundles",
    responses: ok("Bundles", listOf("bundles", BundleView)),
  },
  async ({ db, merchantId }) => ({ bundles: (await listBundles(db, merchantId)).map(bundleView) }),
);

api.get(
  "/v1/bundles/{id}",
  {
    summary: "One bundle",
    responses: found("The bundle", BundleView, "bundle-not-found"),
  },
  async ({ db, merchantId, param }) => bundleView(await requireBundle(db, merchantId, param("id"))),
);

api.patch(
  "/v1/bundles/{id}",
  {
    summary: "Update a bundle (active: false retires it)",
    body: UpdateBundleSchema,
    responses: found("The bundle", BundleView, "bundle-not-found"),
  },
  async ({ db, merchantId, param, body: input }) => bundleView(await updateBundle(db, merchantId, param("id"), input)),
);

api.put(
  "/v1/products/{sku}/variants",
  {
    summary: "Link variants of a product (sizes, premium versions) for upsell offers; replaces the list",
    description:
      "A member whose last order has this product may get an upsell offer for a linked variant that costs more and is in the same category (list prices and categories from the catalog, PUT /v1/products/{sku}).",
    body: VariantsSchema,
    responses: ok("The links", VariantsView),
  },
  async ({ db, merchantId, now, param, body: input }) => {
    await putVariants(db, merchantId, param("sku"), input.variants, now);
    return await getVariants(db, merchantId, param("sku"));
  },
);

api.get(
  "/v1/products/{sku}/variants",
  {
    summary: "The product's linked variants",
    responses: ok("The links", VariantsView),
  },
  ({ db, merchantId, param }) => getVariants(db, merchantId, param("sku")),
);

export const offerRoutes = api.app;
