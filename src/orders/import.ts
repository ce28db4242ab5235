/**
 * CSV order import (Transactions CSV format). Two passes with flat memory: (1) stream rows into a staging table,
 * validating each; (2) walk the staged orders and post each through `createOrder`, so imported orders earn exactly
 * like API orders and share the externalId namespace. Re-running a file (even after a crash) adds nothing twice.
 */
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { importRows } from "../db/schema.ts";
import { headerIndex, type CsvRecord } from "../lib/csv.ts";
import { newId } from "../lib/ids.ts";
import { normalizePhone } from "../members/phone.ts";
import { DomainError } from "../lib/errors.ts";
import { CreateOrderSchema, type CreateOrderInput } from "./schemas.ts";
import { maintainTables } from "../db/maintenance.ts";
import { badTextReason, MAX_MONEY } from "../lib/validate.ts";
import { createOrder } from "./service.ts";
import { findMember, findMemberByPhone } from "../members/service.ts";
import { findStoreByCode } from "../stores/service.ts";

export interface ImportReport {
  rows: number;
  orders: number;
  imported: number;
  /** Already present with the same content (a re-import). */
  unchanged: number;
  rejected: { lines: number[]; orderId: string | null; reason: string }[];
  pointsEarned: number;
}

export interface ImportProgress {
  phase: "read" | "post";
  done: number;
  total?: number;
}

const REQUIRED = ["order_id", "item"] as const;
const OPTIONAL = [
  "member",
  "placed_at",
  "category",
  "quantity",
  "unit_price",
  "name",
  "discount",
  "channel",
  "store",
] as const;
const BATCH = 500;

function parseIntField(v: string | undefined, fallback: number, min: number, max = MAX_MONEY): number | string {
  if (v === undefined || v.trim() === "") return fallback;
  const t = v.trim();
  if (!/^-?\d+$/.test(t)) return `"${v}" is not a whole number`;
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < min || n > max) return `"${v}" must be between ${min} and ${max}`;
  return n;
}

export async function importOrders(
  db: Db,
  merchantId: string,
  records: AsyncIterable<CsvRecord>,
  now: () => Date,
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<ImportReport> {
  const importId = newId("imp");
  const report: ImportReport = { rows: 0, orders: 0, imported: 0, unchanged: 0, rejected: [], pointsEarned: 0 };
  const storeIds = new Map<string, string | undefined>();
  // Staging left behind by a crashed run is useless after a day.
  await db.delete(importRows).where(lt(importRows.createdAt, new Date(now().getTime() - 86_400_000)));

  let cols: Map<string, number> | undefined;
  let batch: (typeof importRows.$inferInsert)[] = [];
  const flush = async () => {
    if (batch.length) await db.insert(importRows).values(batch);
    batch = [];
  };
  try {
    for await (const rec of records) {
      if (!cols) {
        try {
          cols = headerIndex(rec, REQUIRED, OPTIONAL);
        } catch (err) {
          throw new DomainError("invalid", "validation", "Bad CSV header", (err as Error).message);
        }
        continue;
      }
      report.rows++;
      const f = (name: string) => {
        const i = cols!.get(name);
        const v = i === undefined ? undefined : rec.fields[i];
        return v === undefined || v.trim() === "" ? undefined : v;
      };
      const orderId = f("order_id")?.trim();
      const sku = f("item")?.trim();
      const quantity = parseIntField(f("quantity"), 1, 1, 1_000_000);
      const unitPrice = parseIntField(f("unit_price"), 0, 0);
      const discount = parseIntField(f("discount"), 0, 0);
      const placedAt = f("placed_at")?.trim();
      let problem: string | undefined;
      const badText = rec.fields.map(badTextReason).find((r) => r !== undefined);
      if (badText) problem = `a field ${badText}`;
      else if (!orderId) problem = "order_id is empty";
      else if (!sku) problem = "item is empty";
      else if (typeof quantity === "string") problem = `quantity ${quantity}`;
      else if (typeof unitPrice === "string") problem = `unit_price ${unitPrice}`;
      else if (typeof discount === "string") problem = `discount ${discount}`;
      else if (placedAt && Number.isNaN(Date.parse(placedAt)))
        problem = `placed_at "${placedAt}" is not an ISO date-time`;
      if (problem) {
        // Skipped and reported on its own (the spec's "malformed rows are skipped"): the order's other rows import.
        report.rejected.push({ lines: [rec.line], orderId: orderId ?? null, reason: problem });
      } else {
        batch.push({
          importId,
          line: rec.line,
          orderId: orderId!,
          sku: sku!,
          member: f("member")?.trim() ?? null,
          placedAt: placedAt ?? null,
          category: f("category")?.trim() ?? null,
          name: f("name") ?? null,
          quantity: quantity as number,
          unitPrice: unitPrice as number,
          discount: discount as number,
          channel: f("channel")?.trim() ?? null,
          store: f("store")?.trim() ?? null,
        });
      }
      if (batch.length >= BATCH) {
        await flush();
        onProgress({ phase: "read", done: report.rows });
      }
    }
    await flush();
    if (!cols) throw new DomainError("invalid", "validation", "Empty file", "The file has no header row");

    const [{ n } = { n: 0 }] = await db
      .select({ n: sql<number>`count(distinct ${importRows.orderId})::int` })
      .from(importRows)
      .where(eq(importRows.importId, importId));
    report.orders = Number(n);
    onProgress({ phase: "post", done: 0, total: report.orders });

    // Orders in order of their first line, a page at a time.
    let afterLine = 0;
    let done = 0;
    for (;;) {
      const page = await db
        .select({ orderId: importRows.orderId, first: sql<number>`min(${importRows.line})::int` })
        .from(importRows)
        .where(eq(importRows.importId, importId))
        .groupBy(importRows.orderId)
        .having(sql`min(${importRows.line}) > ${afterLine}`)
        .orderBy(sql`min(${importRows.line})`)
        .limit(BATCH);
      if (page.length === 0) break;
      const orderIds = page.map((p) => p.orderId);
      const rows = await db
        .select()
        .from(importRows)
        .where(and(eq(importRows.importId, importId), inArray(importRows.orderId, orderIds)))
        .orderBy(asc(importRows.line));
      const byOrder = new Map<string, (typeof rows)[number][]>();
      for (const r of rows) (byOrder.get(r.orderId) ?? byOrder.set(r.orderId, []).get(r.orderId)!).push(r);
      for (const { orderId } of page) {
        await importOne(db, merchantId, orderId, byOrder.get(orderId) ?? [], now(), report, storeIds);
        done++;
      }
      afterLine = Number(page[page.length - 1]!.first);
      onProgress({ phase: "post", done, total: report.orders });
      // Statistics for the tables this import grows (PGlite has no autovacuum; on Postgres it is a no-op unless a
      // tenth of a table changed): an import into a new database otherwise keeps a plan made on empty tables. Only
      // an optimisation: a failure here never fails the import.
      await maintainTables(db).catch(() => undefined);
    }
  } finally {
    await db.delete(importRows).where(eq(importRows.importId, importId));
  }
  report.rejected.sort((a, b) => a.lines[0]! - b.lines[0]!);
  return report;
}

async function importOne(
  db: Db,
  merchantId: string,
  orderId: string,
  rows: (typeof importRows.$inferSelect)[],
  now: Date,
  report: ImportReport,
  /** Store codes seen in this file → the store's id (undefined: no such store). */
  storeIds: Map<string, string | undefined>,
) {
  const lines = rows.map((r) => r.line);
  const reject = (reason: string) => report.rejected.push({ lines, orderId, reason });
  const distinct = (vals: (string | null)[]) => new Set(vals.map((v) => v ?? "")).size;
  if (distinct(rows.map((r) => r.member)) > 1) return reject("rows of this order name different members");
  if (distinct(rows.map((r) => r.placedAt)) > 1) return reject("rows of this order have different placed_at");
  if (distinct(rows.map((r) => r.store)) > 1) return reject("rows of this order name different stores");

  // The store column holds the store's code (an archived store is refused by createOrder, like over the API).
  const storeCode = rows[0]!.store;
  let storeId: string | undefined;
  if (storeCode) {
    if (!storeIds.has(storeCode)) storeIds.set(storeCode, (await findStoreByCode(db, merchantId, storeCode))?.id);
    storeId = storeIds.get(storeCode);
    if (!storeId) return reject(`store "${storeCode}" is not a store code of this merchant`);
  }

  // Unknown members become guest orders (the order still counts for analytics and co-purchase data).
  const memberRef = rows[0]!.member;
  let memberId: string | undefined;
  if (memberRef) {
    const byId = memberRef.startsWith("mem_") ? await findMember(db, merchantId, memberRef) : undefined;
    const phone = byId ? undefined : normalizePhone(memberRef);
    const byPhone = phone ? await findMemberByPhone(db, merchantId, phone) : undefined;
    memberId = (byId ?? byPhone)?.id;
  }
  const parsed = CreateOrderSchema.safeParse({
    externalId: orderId,
    ...(memberId ? { memberId } : {}),
    channel: rows[0]!.channel ?? "pos",
    ...(storeId ? { storeId } : {}),
    ...(rows[0]!.placedAt ? { placedAt: new Date(rows[0]!.placedAt).toISOString() } : {}),
    items: rows.map((r) => ({
      sku: r.sku,
      ...(r.name ? { name: r.name } : {}),
      ...(r.category ? { category: r.category } : {}),
      quantity: r.quantity,
      unitPrice: r.unitPrice,
      discount: r.discount,
    })),
  } satisfies Record<string, unknown>);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return reject(`${i.path.join(".")}: ${i.message}`);
  }
  try {
    const r = await createOrder(db, merchantId, parsed.data as CreateOrderInput, now);
    if (r.replayed) report.unchanged++;
    else {
      report.imported++;
      report.pointsEarned += r.body.pointsEarned;
    }
  } catch (err) {
    if (err instanceof DomainError) {
      return reject(
        err.slug === "idempotency-conflict" ? "order_id already present with different content" : err.message,
      );
    }
    throw err;
  }
}
