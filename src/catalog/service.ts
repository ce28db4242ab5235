/**
 * The merchant's product catalog: name, category, list price, margin, active — one product at a time or from a
 * CSV. The list price is the merchant's fact: order lines only record a last-seen price (cl_upsert_products), and
 * offers quote the list price. A product set here is "merchant"-sourced: orders never rename or re-categorise it.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import { products } from "../db/schema.ts";
import type { Db } from "../db/types.ts";
import { CsvFormatError, headerIndex, parseCsv } from "../lib/csv.ts";
import { type FieldError, notFound, validationError } from "../lib/errors.ts";

export const SkuParam = z.string().trim().min(1).max(100);

export const ProductInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  category: z.string().trim().min(1).max(100).nullable().optional().describe("Used by category multipliers and offers"),
  listPrice: z
    .number()
    .int()
    .min(0)
    .max(1_000_000_000_000)
    .describe("The list price in minor units: offers quote it; orders never change it"),
  margin: z
    .number()
    .int()
    .min(0)
    .max(100)
    .nullable()
    .optional()
    .describe("Gross margin, percent of the list price (0–100)"),
  active: z.boolean().optional().describe("false retires the product: it is never offered (default true)"),
});
export type ProductInput = z.output<typeof ProductInputSchema>;

export const ProductView = z.object({
  sku: z.string(),
  name: z.string().nullable(),
  category: z.string().nullable(),
  listPrice: z
    .number()
    .int()
    .nullable()
    .describe("null: never priced (the merchant has not set it and no order showed a positive unit price)"),
  lastSeenPrice: z.number().int().nullable().describe("The unit price on the last order line seen (informative)"),
  margin: z.number().int().nullable(),
  active: z.boolean(),
  source: z.enum(["merchant", "order"]).describe("merchant: set through this API; order: first seen on an order"),
  updatedAt: z.string(),
});
export type ProductViewT = z.output<typeof ProductView>;

export const ListProductsQuery = z.object({
  category: z.string().trim().min(1).max(100).optional(),
  active: z.enum(["true", "false"]).optional(),
  after: z.string().max(100).optional().describe("Cursor: the last sku of the previous page"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

type Row = typeof products.$inferSelect;

function view(r: Row): ProductViewT {
  return {
    sku: r.sku,
    name: r.name,
    category: r.category,
    listPrice: r.price,
    lastSeenPrice: r.lastSeenPrice,
    margin: r.margin,
    active: r.active,
    source: r.source === "merchant" ? "merchant" : "order",
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function getProduct(db: Db, merchantId: string, sku: string): Promise<ProductViewT> {
  const rows = await db
    .select()
    .from(products)
    .where(and(eq(products.merchantId, merchantId), eq(products.sku, sku)))
    .limit(1);
  if (!rows[0]) throw notFound(`Product ${sku}`, "product-not-found");
  return view(rows[0]);
}

export async function listProducts(
  db: Db,
  merchantId: string,
  q: z.output<typeof ListProductsQuery>,
): Promise<{ items: ProductViewT[]; nextCursor: string | null }> {
  const rows = await db
    .select()
    .from(products)
    .where(
      and(
        eq(products.merchantId, merchantId),
        q.category ? eq(products.category, q.category) : undefined,
        q.active ? eq(products.active, q.active === "true") : undefined,
        q.after ? gt(products.sku, q.after) : undefined,
      ),
    )
    .orderBy(asc(products.sku))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return { items: page.map(view), nextCursor: rows.length > q.limit ? (page.at(-1)?.sku ?? null) : null };
}

/** Upserts merchant products in one statement (all or nothing). */
export async function putProducts(
  db: Db,
  merchantId: string,
  items: (ProductInput & { sku: string })[],
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  const sorted = [...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  for (let i = 0; i < sorted.length; i += 1000) {
    await db
      .insert(products)
      .values(
        sorted.slice(i, i + 1000).map((p) => ({
          merchantId,
          sku: p.sku,
          name: p.name,
          category: p.category ?? null,
          price: p.listPrice,
          margin: p.margin ?? null,
          active: p.active ?? true,
          source: "merchant",
          updatedAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: [products.merchantId, products.sku],
        set: {
          name: sql`excluded.name`,
          category: sql`excluded.category`,
          price: sql`excluded.price`,
          margin: sql`excluded.margin`,
          active: sql`excluded.active`,
          source: sql`excluded.source`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
  }
}

export async function putProduct(
  db: Db,
  merchantId: string,
  sku: string,
  input: ProductInput,
  now: Date,
): Promise<ProductViewT> {
  await putProducts(db, merchantId, [{ ...input, sku }], now);
  return getProduct(db, merchantId, sku);
}

export const CSV_COLUMNS = ["sku", "name", "category", "list_price", "margin", "active"] as const;

function csvBool(s: string): boolean | undefined | null {
  const v = s.trim().toLowerCase();
  if (v === "") return undefined;
  if (["true", "1", "yes", "y"].includes(v)) return true;
  if (["false", "0", "no", "n"].includes(v)) return false;
  return null;
}

/**
 * Parses a catalog CSV (header: sku,name,list_price required; category, margin, active optional). Every bad row
 * is reported with its line number (`lines.<line>.<column>`); one bad row rejects the file, nothing is written.
 */
export function parseProductsCsv(text: string): (ProductInput & { sku: string })[] {
  let records: ReturnType<typeof parseCsv>;
  let cols: Map<string, number>;
  try {
    records = parseCsv(text);
    const header = records[0];
    if (!header) throw validationError([{ path: "lines.1", message: "empty file: a header row is required" }]);
    cols = headerIndex(header, ["sku", "name", "list_price"], ["category", "margin", "active"]);
  } catch (e) {
    if (e instanceof CsvFormatError) throw validationError([{ path: `lines.${e.line}`, message: e.message }]);
    throw e;
  }
  const errors: FieldError[] = [];
  const out: (ProductInput & { sku: string })[] = [];
  const seen = new Map<string, number>();
  const field = (f: string[], name: string) => {
    const i = cols.get(name);
    return i === undefined ? "" : (f[i] ?? "");
  };
  for (const rec of records.slice(1)) {
    const f = rec.fields;
    if (f.every((x) => x.trim() === "")) continue;
    const at = (col: string, message: string) =>
      errors.push({ path: `lines.${rec.line}.${col}`, message: `line ${rec.line}: ${col} ${message}` });
    const sku = SkuParam.safeParse(field(f, "sku"));
    if (!sku.success) {
      at("sku", "is required (1–100 characters)");
      continue;
    }
    const prev = seen.get(sku.data);
    if (prev !== undefined) {
      at("sku", `${sku.data} repeats line ${prev}`);
      continue;
    }
    seen.set(sku.data, rec.line);
    const priceText = field(f, "list_price").trim();
    const marginText = field(f, "margin").trim();
    const active = csvBool(field(f, "active"));
    if (active === null) at("active", "must be true or false");
    const candidate = {
      name: field(f, "name"),
      category: field(f, "category").trim() === "" ? null : field(f, "category"),
      listPrice: /^\d+$/.test(priceText) ? Number(priceText) : Number.NaN,
      margin: marginText === "" ? null : /^\d+$/.test(marginText) ? Number(marginText) : Number.NaN,
      ...(active != null ? { active } : {}),
    };
    const parsed = ProductInputSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? "");
        const col = key === "listPrice" ? "list_price" : key;
        at(col, key === "listPrice" || key === "margin" ? `must be a whole number (${issue.message})` : issue.message);
      }
      continue;
    }
    if (active !== null) out.push({ ...parsed.data, sku: sku.data });
  }
  if (errors.length > 0)
    throw validationError(errors, `${errors.length} invalid row${errors.length > 1 ? "s" : ""}; nothing was imported`);
  return out;
}

export async function importProductsCsv(
  db: Db,
  merchantId: string,
  text: string,
  now: Date,
): Promise<{ imported: number }> {
  const items = parseProductsCsv(text);
  await db.transaction(async (tx) => putProducts(tx, merchantId, items, now));
  return { imported: items.length };
}
