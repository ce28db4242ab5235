import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvFormatError, csvRow, parseCsv } from "../../src/lib/csv.ts";
import { loadTransactionsCsv, RunKeys } from "../../src/recs/transactions-csv.ts";
import { basketsOf, normalizeBaskets } from "../../src/recs/transactions.ts";

const enc = new TextEncoder();

function chunked(text: string, size: number): Uint8Array[] {
  const bytes = enc.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

async function load(text: string, chunkSize = 1 << 20): Promise<string[][]> {
  return basketsOf(await loadTransactionsCsv(chunked(text, chunkSize)));
}

/** Reference grouping built on the generic reader. */
function referenceBaskets(text: string): string[][] {
  const [header, ...records] = parseCsv(text.replace(/^\uFEFF/, ""));
  const names = header!.fields.map((f) => f.trim().toLowerCase());
  const oi = names.indexOf("order_id");
  const ii = names.indexOf("item");
  const groups = new Map<string, string[]>();
  for (const r of records) {
    if (r.fields.every((f) => f === "")) continue;
    const o = r.fields[oi]!;
    if (!groups.has(o)) groups.set(o, []);
    groups.get(o)!.push(r.fields[ii]!);
  }
  return [...groups.values()];
}

describe("loadTransactionsCsv", () => {
  it("groups non-adjacent rows by order_id, keeping file order, and ignores other columns", async () => {
    const text = [
      "order_id,member,item,quantity",
      "A,0901234567,x,1",
      "B,,y,2",
      "A,0901234567,z,1",
      "C,,x,1",
      "B,,x,1",
      "",
    ].join("\n");
    expect(await load(text)).toEqual([["x", "z"], ["y", "x"], ["x"]]);
  });

  it("reads quoted Vietnamese item names with commas and quotes, CRLF and a BOM", async () => {
    const text =
      '\uFEFFitem,order_id\r\n"Bánh bao, nhân thịt",HD1\r\n"Bánh mì ""đặc biệt""",HD1\r\nCà phê sữa đá,"HD,2"\r\n';
    expect(await load(text)).toEqual([["Bánh bao, nhân thịt", 'Bánh mì "đặc biệt"'], ["Cà phê sữa đá"]]);
  });

  it("keeps duplicate rows until normalized, then counts them once", async () => {
    const tx = await loadTransactionsCsv(["order_id,item\n1,b\n1,a\n1,b\n2,a\n"]);
    expect(tx.rows).toBe(4);
    expect(basketsOf(tx)).toEqual([["b", "a", "b"], ["a"]]);
    expect(basketsOf(normalizeBaskets(tx))).toEqual([["b", "a"], ["a"]]); // sorted by item id (first seen)
  });

  it("skips empty lines and all-empty records; a newline inside quotes is part of the item", async () => {
    const text = 'order_id,item\n\n1,a\n,\n\r\n1,"two\nlines"\n';
    expect(await load(text)).toEqual([["a", "two\nlines"]]);
  });

  it("reports bad input with the line number", async () => {
    const bad = async (text: string) => loadTransactionsCsv([text]);
    await expect(bad("")).rejects.toThrow(/header row/);
    await expect(bad("\n\n")).rejects.toThrow(CsvFormatError);
    await expect(bad("order,item\n1,a\n")).rejects.toThrow(/line 1: header is missing required column order_id/);
    await expect(bad("order_id,sku\n1,a\n")).rejects.toThrow(/missing required column item/);
    await expect(bad("order_id,item\n1,a\n2\n")).rejects.toThrow(/line 3: expected at least 2 fields/);
    await expect(bad("order_id,item\n1,a\n2,\n")).rejects.toThrow(/line 3: empty item/);
    await expect(bad("order_id,item\n1,a\n,b\n")).rejects.toThrow(/line 3: empty order_id/);
    await expect(bad('order_id,item\n1,"a\n')).rejects.toThrow(/line 2: unterminated quoted field/);
  });

  it("handles files sorted by item (every row a new run of its order)", async () => {
    const rows = ["order_id,item"];
    for (const item of ["p", "q", "r"])
      for (let o = 0; o < 50; o++) if ((o + item.charCodeAt(0)) % 3 !== 0) rows.push(`o${o},${item}`);
    const text = rows.join("\n") + "\n";
    expect(await load(text)).toEqual(referenceBaskets(text));
  });

  it("RunKeys unifies runs with equal keys and keeps colliding hashes apart", () => {
    const keys = new RunKeys();
    const b = (s: string): Uint8Array => enc.encode(s);
    // Same artificial hash for different keys to exercise collision handling.
    const add = (s: string, h = 7): number => keys.add(b(s), 0, b(s).length, h);
    add("A");
    add("B");
    add("A");
    add("C", 9);
    add("B");
    add("D");
    const { runToOrder, orderCount } = keys.resolve();
    expect(orderCount).toBe(4);
    expect([...runToOrder]).toEqual([0, 1, 0, 2, 1, 3]);
    expect(keys.isLast(b("D"), 0, 1, 7)).toBe(true);
    expect(keys.isLast(b("D"), 0, 1, 8)).toBe(false);
  });

  it("reports progress with bytes and rows", async () => {
    const seen: [number, number][] = [];
    await loadTransactionsCsv(chunked("order_id,item\n1,a\n2,b\n", 8), { onProgress: (b, r) => seen.push([b, r]) });
    expect(seen.at(-1)).toEqual([22, 2]);
  });

  it("agrees with the generic CSV reader for any content and chunking (property)", async () => {
    const value = fc.oneof(
      fc.constantFrom("x", "y", "Bánh bao, nhân thịt", 'Trà "sen"', "multi\nline", "Cà phê sữa đá", " spaced "),
      fc.string({ minLength: 1, maxLength: 4 }).filter((s) => s !== ""),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), value, fc.string({ maxLength: 3 })), {
          minLength: 1,
          maxLength: 25,
        }),
        fc.constantFrom("\n", "\r\n"),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (rows, eol, chunkSize, bom) => {
          const text =
            (bom ? "\uFEFF" : "") +
            ["order_id,item,note", ...rows.map(([o, item, note]) => csvRow([`o${o}`, item, note]))].join(eol) +
            eol;
          const expected = referenceBaskets(text);
          expect(await load(text, chunkSize)).toEqual(expected);
          expect(await load(text)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
