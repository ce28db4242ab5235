/**
 * The optional Transactions CSV columns the evaluation uses (member, placed_at, unit_price, and a `margin` column
 * when a file has one), per basket in the numbering of `loadTransactionsCsv` (order of first appearance of the
 * order id). A second, string-based pass over the file, run only when the header has such columns.
 * Runtime-neutral (no Node APIs).
 */
import { readCsvBatches, type CsvInput } from "../lib/csv.ts";
import type { BasketFacts } from "./evaluate.ts";

const OPTIONAL = ["member", "placed_at", "unit_price", "margin"] as const;

/** True when a header line names any column `loadBasketFacts` reads. */
export function hasFactColumns(header: string[]): boolean {
  const names = new Set(header.map((h) => h.trim().toLowerCase()));
  return OPTIONAL.some((c) => names.has(c));
}

/** Reads the facts; null when the header has none of the optional columns. Unparsable values count as unknown. */
export async function loadBasketFacts(input: CsvInput): Promise<BasketFacts | null> {
  let col: Record<string, number> | null = null;
  let orderCol = -1;
  let itemCol = -1;
  const orderIndex = new Map<string, number>();
  const member: (string | null)[] = [];
  const placedAt: number[] = [];
  const valueSum = new Map<string, { sum: number; n: number }>();
  let anyMargin = false;
  for await (const batch of readCsvBatches(input)) {
    for (const rec of batch) {
      const f = rec.fields;
      if (!col) {
        if (!hasFactColumns(f)) return null;
        const names = f.map((h) => h.trim().toLowerCase());
        col = Object.fromEntries(OPTIONAL.map((c) => [c, names.indexOf(c)]));
        orderCol = names.indexOf("order_id");
        itemCol = names.indexOf("item");
        continue;
      }
      if (f.every((x) => x === "")) continue;
      const key = f[orderCol] ?? "";
      const item = f[itemCol] ?? "";
      if (key === "" || item === "") continue;
      let b = orderIndex.get(key);
      if (b === undefined) {
        b = member.length;
        orderIndex.set(key, b);
        const m = col.member! >= 0 ? (f[col.member!] ?? "").trim() : "";
        member.push(m === "" ? null : m);
        const t = col.placed_at! >= 0 ? Date.parse(f[col.placed_at!] ?? "") : NaN;
        placedAt.push(t);
      }
      const margin = col.margin! >= 0 ? Number.parseFloat(f[col.margin!] ?? "") : NaN;
      const price = col.unit_price! >= 0 ? Number.parseFloat(f[col.unit_price!] ?? "") : NaN;
      if (Number.isFinite(margin)) anyMargin = true;
      const v = Number.isFinite(margin) ? margin : price;
      if (Number.isFinite(v)) {
        const s = valueSum.get(item);
        if (s) {
          s.sum += v;
          s.n++;
        } else valueSum.set(item, { sum: v, n: 1 });
      }
    }
  }
  if (!col) return null;
  const values = new Map([...valueSum].map(([item, s]) => [item, s.sum / s.n]));
  const hasValues = [...values.values()].some((v) => v > 0);
  return {
    member: col.member! >= 0 ? member : undefined,
    placedAt: col.placed_at! >= 0 ? Float64Array.from(placedAt) : undefined,
    values: hasValues ? values : undefined,
    valueSource: hasValues ? (anyMargin ? "margin" : "unit_price") : undefined,
  };
}
