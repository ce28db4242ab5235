/**
 * Stores: a merchant's branches / POS terminals (create, list, rename, archive) and the check every order path makes
 * before it records `orders.store_id` (the store must be this merchant's and not archived).
 */
import { and, asc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { z } from "zod";
import { isUniqueViolation } from "../db/errors.ts";
import { findOne, requireOwned } from "../db/find.ts";
import type { Db } from "../db/types.ts";
import { conflict, validationError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { CreateStoreSchema, ListStoresQuery, StoreView, UpdateStoreSchema } from "./schemas.ts";
import { stores } from "./tables.ts";

export type StoreRow = typeof stores.$inferSelect;

export function storeView(s: StoreRow): StoreView {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    address: s.address,
    archived: s.archivedAt !== null,
    archivedAt: s.archivedAt?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}

const duplicateCode = (code: string) =>
  conflict("duplicate-store-code", "Duplicate store code", `A store with code ${code} already exists`, { code });

export async function listStores(
  db: Db,
  merchantId: string,
  archived: z.output<typeof ListStoresQuery>["archived"] = "false",
): Promise<StoreRow[]> {
  const conds = [eq(stores.merchantId, merchantId)];
  if (archived === "false") conds.push(isNull(stores.archivedAt));
  if (archived === "true") conds.push(isNotNull(stores.archivedAt));
  return db
    .select()
    .from(stores)
    .where(and(...conds))
    .orderBy(asc(stores.code));
}

export const requireStore = (db: Db, merchantId: string, id: string) =>
  requireOwned(db, stores, merchantId, id, "Store", "store-not-found");

export async function createStore(
  db: Db,
  merchantId: string,
  input: z.output<typeof CreateStoreSchema>,
  now: Date,
): Promise<StoreRow> {
  try {
    const [row] = await db
      .insert(stores)
      // The parsed input's fields; an address left out is stored as NULL.
      .values({ ...input, id: newId("sto"), merchantId, createdAt: now })
      .returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateCode(input.code);
    throw err;
  }
}

export async function updateStore(
  db: Db,
  merchantId: string,
  id: string,
  input: z.output<typeof UpdateStoreSchema>,
): Promise<StoreRow> {
  const s = await requireStore(db, merchantId, id);
  const set = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return s;
  try {
    const [row] = await db
      .update(stores)
      .set(set)
      .where(and(eq(stores.id, s.id), eq(stores.merchantId, merchantId)))
      .returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateCode(input.code ?? s.code);
    throw err;
  }
}

/** Archives the store (idempotent: archiving again keeps the first archivedAt). */
export async function archiveStore(db: Db, merchantId: string, id: string, now: Date): Promise<StoreRow> {
  const s = await requireStore(db, merchantId, id);
  if (s.archivedAt) return s;
  const [row] = await db
    .update(stores)
    .set({ archivedAt: now })
    .where(and(eq(stores.id, s.id), eq(stores.merchantId, merchantId)))
    .returning();
  return row!;
}

/** The merchant's store with this code (archived or not), or undefined. */
export const findStoreByCode = (db: Db, merchantId: string, code: string) =>
  findOne(db, stores, eq(stores.merchantId, merchantId), eq(stores.code, code));

/** 400 at `path`: the order names a store that is not one of the merchant's open stores. */
export const unknownStore = (id: string, path = "storeId") =>
  validationError([{ path, message: "unknown or archived store" }], `No open store ${id}`);

/**
 * The store an order may be placed at: this merchant's and not archived. Anything else → 400 at `path` (an unknown
 * id and another merchant's id read the same, so ids of other merchants are not disclosed).
 */
export async function requireOpenStore(db: Db, merchantId: string, id: string, path = "storeId"): Promise<StoreRow> {
  const s = await findOne(db, stores, eq(stores.merchantId, merchantId), eq(stores.id, id));
  if (!s) throw validationError([{ path, message: "unknown store" }], `Unknown store ${id}`);
  if (s.archivedAt) throw validationError([{ path, message: "the store is archived" }], `Store ${s.code} is archived`);
  return s;
}

/**
 * A report's `?storeId=` (analytics, campaign KPIs, the offers report): null for none; one of this merchant's
 * stores, archived ones too; anything else → 400 at storeId.
 */
export async function storeFilter(db: Db, merchantId: string, storeId: string | undefined): Promise<string | null> {
  if (storeId && (await unknownStoreIds(db, merchantId, [storeId])).length > 0)
    throw validationError([{ path: "storeId", message: "unknown store" }], `Unknown store ${storeId}`);
  return storeId ?? null;
}

/** Every id in `ids` that is not one of this merchant's stores (for filters: segments, analytics). */
export async function unknownStoreIds(db: Db, merchantId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: stores.id })
    .from(stores)
    .where(and(eq(stores.merchantId, merchantId), inArray(stores.id, [...ids])));
  const known = new Set(rows.map((r) => r.id));
  return ids.filter((i) => !known.has(i));
}
