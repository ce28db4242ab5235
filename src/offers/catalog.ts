/** Merchant-defined inputs of the offers engine: bundles (combos, tier-exclusive deals) and product variant links. */
import { and, asc, eq, gt, inArray, isNull, lte, notInArray, or, sql } from "drizzle-orm";
import { z } from "zod";
import { dateTimeInRange, id, int8, MAX_MONEY } from "../lib/validate.ts";
import type { Db } from "../db/types.ts";
import { products } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import { validationError } from "../lib/errors.ts";
import { getProgram } from "../program/service.ts";
import { offerBundles, productVariants } from "./tables.ts";
import { findOwned, requireOwned } from "../db/find.ts";
import { given } from "../lib/patch.ts";
import { unknownStoreIds } from "../stores/service.ts";

const sku = z.string().trim().min(1).max(100);
const isoDateTime = dateTimeInRange();

const BundleFields = {
  name: z.string().trim().min(1).max(200),
  skus: z
    .array(sku)
    .min(1)
    .max(10)
    .describe("The products of the combo (2 or more; 1 is allowed for a tier-exclusive deal)"),
  price: int8(0, MAX_MONEY)
    .nullable()
    .optional()
    .describe("Member price of the whole combo in minor units; else discountPercent off the catalog prices"),
  discountPercent: z.number().int().min(0).max(90).optional().describe("Off the sum of the catalog prices (default 0)"),
  bonusPoints: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .describe("Bonus points when bought with the claim code (default 0)"),
  minTier: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .nullable()
    .optional()
    .describe("Only members of this tier or above: the offer's kind is then tier-exclusive"),
  active: z.boolean().optional(),
  startsAt: isoDateTime.nullable().optional(),
  endsAt: isoDateTime.nullable().optional(),
  storeIds: z
    .array(id())
    .min(1)
    .max(100)
    .nullable()
    .optional()
    .describe(
      "Only at these stores (GET /v1/stores): its claim codes redeem only on orders at one of them; null/absent = every store",
    ),
};

type BundleShape = {
  skus?: string[] | undefined;
  minTier?: string | null | undefined;
  startsAt?: string | null | undefined;
  endsAt?: string | null | undefined;
};

function checkBundle(b: BundleShape, ctx: z.RefinementCtx, complete: boolean) {
  if (b.skus) {
    if (new Set(b.skus).size !== b.skus.length)
      ctx.addIssue({ code: "custom", path: ["skus"], message: "duplicate sku" });
    if (complete && b.skus.length < 2 && !b.minTier)
      ctx.addIssue({
        code: "custom",
        path: ["skus"],
        message: "a bundle needs 2 or more skus (a single sku only with minTier)",
      });
  }
  if (b.startsAt && b.endsAt && Date.parse(b.endsAt) <= Date.parse(b.startsAt))
    ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must be after startsAt" });
}

export const CreateBundleSchema = z.object(BundleFields).superRefine((b, ctx) => checkBundle(b, ctx, true));
export const UpdateBundleSchema = z
  .object(BundleFields)
  .partial()
  .superRefine((b, ctx) => checkBundle(b, ctx, false));
export type CreateBundleInput = z.output<typeof CreateBundleSchema>;
export type UpdateBundleInput = z.output<typeof UpdateBundleSchema>;

export const BundleView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(["bundle", "tier-exclusive"]),
  skus: z.array(z.string()),
  price: z.number().int().nullable(),
  discountPercent: z.number().int(),
  bonusPoints: z.number().int(),
  minTier: z.string().nullable(),
  active: z.boolean(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  storeIds: z.array(z.string()).nullable(),
  createdAt: z.string(),
});

export type BundleRow = typeof offerBundles.$inferSelect;

/** A bundle is live while active and inside its dates (either may be open): as a query condition, and for a row. */
const liveBundle = (now: Date) =>
  and(
    eq(offerBundles.active, true),
    or(isNull(offerBundles.startsAt), lte(offerBundles.startsAt, now)),
    or(isNull(offerBundles.endsAt), gt(offerBundles.endsAt, now)),
  );
export const isLiveBundle = (b: BundleRow, now: Date): boolean =>
  b.active && (!b.startsAt || b.startsAt <= now) && (!b.endsAt || b.endsAt > now);

export function bundleView(b: BundleRow): z.output<typeof BundleView> {
  return {
    id: b.id,
    name: b.name,
    kind: b.minTier ? "tier-exclusive" : "bundle",
    skus: b.skus,
    price: b.price,
    discountPercent: b.discountPercent,
    bonusPoints: b.bonusPoints,
    minTier: b.minTier,
    active: b.active,
    startsAt: b.startsAt?.toISOString() ?? null,
    endsAt: b.endsAt?.toISOString() ?? null,
    storeIds: b.storeIds,
    createdAt: b.createdAt.toISOString(),
  };
}

/** Every id of `storeIds` must be one of the merchant's stores (archived ones included): else 400 at storeIds.N. */
async function checkStores(db: Db, merchantId: string, storeIds: string[] | null | undefined) {
  if (!storeIds) return;
  const unknown = new Set(await unknownStoreIds(db, merchantId, storeIds));
  const errors = storeIds.flatMap((s, i) =>
    unknown.has(s) ? [{ path: `storeIds.${i}`, message: `unknown store ${s}` }] : [],
  );
  if (errors.length) throw validationError(errors);
}

async function checkTier(db: Db, merchantId: string, minTier: string | null | undefined) {
  if (!minTier) return;
  const program = await getProgram(db, merchantId);
  if (!program.tiers.some((t) => t.name === minTier))
    throw validationError([
      { path: "minTier", message: `unknown tier "${minTier}" (tiers: ${program.tiers.map((t) => t.name).join(", ")})` },
    ]);
}

export async function createBundle(
  db: Db,
  merchantId: string,
  input: CreateBundleInput,
  now: Date,
): Promise<BundleRow> {
  await checkTier(db, merchantId, input.minTier);
  await checkStores(db, merchantId, input.storeIds);
  const [row] = await db
    .insert(offerBundles)
    .values({
      id: newId("bnd"),
      merchantId,
      name: input.name,
      skus: input.skus,
      price: input.price ?? null,
      discountPercent: input.discountPercent ?? 0,
      bonusPoints: input.bonusPoints ?? 0,
      minTier: input.minTier ?? null,
      active: input.active ?? true,
      startsAt: input.startsAt ? new Date(input.startsAt) : null,
      endsAt: input.endsAt ? new Date(input.endsAt) : null,
      storeIds: input.storeIds ? [...new Set(input.storeIds)] : null,
      createdAt: now,
    })
    .returning();
  return row!;
}

export const findBundle = (db: Db, merchantId: string, id: string) => findOwned(db, offerBundles, merchantId, id);

export const requireBundle = (db: Db, merchantId: string, id: string): Promise<BundleRow> =>
  requireOwned(db, offerBundles, merchantId, id, "Bundle", "bundle-not-found");

/** The merchant's bundles in creation order; with `liveAt`, only the ones live then. */
export async function listBundles(db: Db, merchantId: string, liveAt?: Date): Promise<BundleRow[]> {
  return db
    .select()
    .from(offerBundles)
    .where(and(eq(offerBundles.merchantId, merchantId), liveAt && liveBundle(liveAt)))
    .orderBy(asc(offerBundles.createdAt), asc(offerBundles.id));
}

export async function updateBundle(
  db: Db,
  merchantId: string,
  id: string,
  input: UpdateBundleInput,
): Promise<BundleRow> {
  const b = await requireBundle(db, merchantId, id);
  const merged = { skus: input.skus ?? b.skus, minTier: input.minTier === undefined ? b.minTier : input.minTier };
  if (merged.skus.length < 2 && !merged.minTier)
    throw validationError([
      { path: "skus", message: "a bundle needs 2 or more skus (a single sku only with minTier)" },
    ]);
  await checkTier(db, merchantId, input.minTier);
  await checkStores(db, merchantId, input.storeIds);
  const set: Partial<typeof offerBundles.$inferInsert> = given(input, [
    "name",
    "skus",
    "price",
    "discountPercent",
    "bonusPoints",
    "minTier",
    "active",
  ]);
  if (input.startsAt !== undefined) set.startsAt = input.startsAt ? new Date(input.startsAt) : null;
  if (input.endsAt !== undefined) set.endsAt = input.endsAt ? new Date(input.endsAt) : null;
  if (input.storeIds !== undefined) set.storeIds = input.storeIds ? [...new Set(input.storeIds)] : null;
  if (Object.keys(set).length === 0) return b;
  const [row] = await db.update(offerBundles).set(set).where(eq(offerBundles.id, b.id)).returning();
  return row!;
}

export const VariantsSchema = z.object({
  variants: z
    .array(sku)
    .max(20)
    .describe(
      "SKUs that are variants of this product (other sizes, a premium version…); replaces the list. An upsell offers a variant that costs more, in the same category",
    ),
});

export const VariantsView = z.object({
  sku: z.string(),
  variants: z.array(
    z.object({
      sku: z.string(),
      name: z.string().nullable(),
      category: z.string().nullable(),
      price: z.number().int().nullable(),
    }),
  ),
});

export async function putVariants(
  db: Db,
  merchantId: string,
  productSku: string,
  variants: string[],
  now: Date,
): Promise<void> {
  const unique = [...new Set(variants)].filter((v) => v !== productSku);
  await db.transaction(async (tx) => {
    // Concurrent PUTs of one product's list: serialised per product (the last one wins whole), and written as an
    // upsert (drop what left the list, insert the rest, existing rows kept) so no unique violation can surface.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`variants:${merchantId}:${productSku}`}, 0))`);
    await tx
      .delete(productVariants)
      .where(
        and(
          eq(productVariants.merchantId, merchantId),
          eq(productVariants.sku, productSku),
          unique.length > 0 ? notInArray(productVariants.variantSku, unique) : undefined,
        ),
      );
    if (unique.length > 0)
      await tx
        .insert(productVariants)
        .values(unique.map((v) => ({ merchantId, sku: productSku, variantSku: v, createdAt: now })))
        .onConflictDoNothing();
  });
}

export async function getVariants(
  db: Db,
  merchantId: string,
  productSku: string,
): Promise<z.output<typeof VariantsView>> {
  const links = await db
    .select({ v: productVariants.variantSku })
    .from(productVariants)
    .where(and(eq(productVariants.merchantId, merchantId), eq(productVariants.sku, productSku)))
    .orderBy(asc(productVariants.variantSku));
  const skus = links.map((l) => l.v);
  const info = skus.length
    ? await db
        .select({ sku: products.sku, name: products.name, category: products.category, price: products.price })
        .from(products)
        .where(and(eq(products.merchantId, merchantId), inArray(products.sku, skus)))
    : [];
  const by = new Map(info.map((p) => [p.sku, p]));
  return {
    sku: productSku,
    variants: skus.map((s) => ({
      sku: s,
      name: by.get(s)?.name ?? null,
      category: by.get(s)?.category ?? null,
      price: by.get(s)?.price ?? null,
    })),
  };
}
