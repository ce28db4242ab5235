/**
 * Zod fields that the API's views and queries repeat, named once: runs of plain integer or string fields (or integers
 * each with its description), a list endpoint's `limit` and cursor, a report's `days`. Each call makes new schemas, so
 * a caller may still `.describe()` its own.
 */
import { z } from "zod";

/** Integer fields under these names, in this order (counts, sums of money or points): `...ints("sent", "failed")`. */
export function ints<K extends string>(...names: K[]): Record<K, z.ZodNumber> {
  return Object.fromEntries(names.map((n) => [n, z.number().int()])) as Record<K, z.ZodNumber>;
}

/** String fields under these names, in this order (ids, names, times): `...strings("id", "createdAt")`. */
export function strings<K extends string>(...names: K[]): Record<K, z.ZodString> {
  return Object.fromEntries(names.map((n) => [n, z.string()])) as Record<K, z.ZodString>;
}

/** String fields that may be null (not known, not set, not happened yet), in this order. */
export function nullableStrings<K extends string>(...names: K[]): Record<K, z.ZodNullable<z.ZodString>> {
  return Object.fromEntries(names.map((n) => [n, z.string().nullable()])) as Record<K, z.ZodNullable<z.ZodString>>;
}

/** A list endpoint's `?limit=`: 1 to `max` items, `fallback` when absent. */
export const pageLimit = (max: number, fallback = 50) => z.coerce.number().int().min(1).max(max).default(fallback);

/** A list endpoint's cursor that is the last id of the previous page (`?before=` or `?after=`). */
export const lastIdCursor = (id: z.ZodString = z.string()) =>
  id.optional().describe("Cursor: the last id of the previous page");

/** Integer fields with what each counts, in this order: `...describedInts({ sent: "Messages handed to the channel" })`. */
export function describedInts<K extends string>(descriptions: Record<K, string>): Record<K, z.ZodNumber> {
  const fields = Object.entries<string>(descriptions).map(([n, d]) => [n, z.number().int().describe(d)]);
  return Object.fromEntries(fields) as Record<K, z.ZodNumber>;
}

/** A report's `?days=`: the last 1 to 366 days, 30 when absent. */
export const windowDays = () => z.coerce.number().int().min(1).max(366).default(30);
