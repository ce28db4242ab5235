import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvFormatError, csvField, csvRow, headerIndex, parseCsv, readCsv, type CsvRecord } from "../../src/lib/csv.ts";

async function collect(chunks: (string | Uint8Array)[]): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of readCsv(chunks)) out.push(r);
  return out;
}

const enc = new TextEncoder();

/** Splits text (as UTF-8 bytes) at the given cut points, possibly inside multi-byte characters. */
function byteChunks(text: string, cuts: number[]): Uint8Array[] {
  const bytes = enc.encode(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

describe("readCsv", () => {
  it("parses quoted fields with commas, doubled quotes and Vietnamese text", async () => {
    const text = 'order_id,item\n1,"Bánh bao, nhân thịt"\n2,"Bánh mì ""đặc biệt"""\n3,Cà phê sữa đá\n';
    expect(await collect([text])).toEqual([
      { line: 1, fields: ["order_id", "item"] },
      { line: 2, fields: ["1", "Bánh bao, nhân thịt"] },
      { line: 3, fields: ["2", 'Bánh mì "đặc biệt"'] },
      { line: 4, fields: ["3", "Cà phê sữa đá"] },
    ]);
  });

  it("keeps newlines inside quotes and reports the physical start line", async () => {
    const text = 'a,b\n1,"two\nlines"\n2,"three\r\nmore\nlines"\n3,x\n';
    expect(await collect([text])).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "two\nlines"] },
      { line: 4, fields: ["2", "three\r\nmore\nlines"] },
      { line: 7, fields: ["3", "x"] },
    ]);
  });

  it("handles CRLF, lone CR, a missing final newline and skips empty lines", async () => {
    const text = "a,b\r\n\r\n1,x\r\n\n2,y\r3,z";
    expect(await collect([text])).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 3, fields: ["1", "x"] },
      { line: 5, fields: ["2", "y"] },
      { line: 6, fields: ["3", "z"] },
    ]);
  });

  it("drops a UTF-8 BOM from bytes and from text", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode("order_id,item\n1,x\n")]);
    expect((await collect([bytes]))[0]!.fields).toEqual(["order_id", "item"]);
    expect((await collect(["\uFEFForder_id,item\n"]))[0]!.fields).toEqual(["order_id", "item"]);
    // A BOM split across chunks.
    expect((await collect([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]))[0]!.fields).toEqual([
      "order_id",
      "item",
    ]);
  });

  it("keeps empty fields, a quoted empty field, and text after a closing quote", async () => {
    expect(parseCsv('a,,c\n"",x\n"ab"cd,e\n,\n')).toEqual([
      { line: 1, fields: ["a", "", "c"] },
      { line: 2, fields: ["", "x"] },
      { line: 3, fields: ["abcd", "e"] },
      { line: 4, fields: ["", ""] },
    ]);
  });

  it("throws CsvFormatError on an unterminated quoted field", async () => {
    await expect(collect(['a,b\n1,"open\n2,x\n'])).rejects.toThrow(CsvFormatError);
    await expect(collect(['a,b\n1,"open\n2,x\n'])).rejects.toThrow(/line 2: unterminated quoted field/);
  });

  it("reads web ReadableStreams", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode("a,b\n1,"));
        c.enqueue(enc.encode('"x,y"\n'));
        c.close();
      },
    });
    const out: CsvRecord[] = [];
    for await (const r of readCsv(stream)) out.push(r);
    expect(out.map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", "x,y"],
    ]);
  });

  it("gives the same records however the bytes are chunked (property)", async () => {
    const field = fc.oneof(
      fc.constantFrom("", "x", "Bánh bao, nhân thịt", 'say "hi"', "two\nlines", "cr\r\nlf", "Trà đào cam sả", "a\rb"),
      fc.string({ maxLength: 5 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom("\n", "\r\n"),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (rows, eol, cuts) => {
          // A row that is a single empty field would be an empty line (skipped): quote it.
          const text = rows.map((r) => (r.length === 1 && r[0] === "" ? '""' : csvRow(r))).join(eol) + eol;
          const whole = await collect([text]);
          expect(whole.map((r) => r.fields)).toEqual(rows);
          const pieces = await collect(byteChunks(text, cuts));
          expect(pieces).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("csvField / csvRow", () => {
  it("quotes only when needed", () => {
    expect(csvField("SKU-1")).toBe("SKU-1");
    expect(csvField("Bánh bao, nhân thịt")).toBe('"Bánh bao, nhân thịt"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a\nb")).toBe('"a\nb"');
    expect(csvField("a\rb")).toBe('"a\rb"');
    expect(csvRow(["a|b", "c,d", ""])).toBe('a|b,"c,d",');
  });

  it("round-trips through the reader (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 2, maxLength: 5 }), (fields) => {
        expect(parseCsv(csvRow(fields) + "\n")[0]!.fields).toEqual(fields);
      }),
    );
  });
});

describe("headerIndex", () => {
  it("matches names case-insensitively and reports missing columns", () => {
    const m = headerIndex(
      { line: 1, fields: [" Item ", "ORDER_ID", "member"] },
      ["order_id", "item"],
      ["member", "category"],
    );
    expect([...m]).toEqual([
      ["order_id", 1],
      ["item", 0],
      ["member", 2],
    ]);
    expect(() => headerIndex({ line: 1, fields: ["order", "item"] }, ["order_id", "item"])).toThrow(
      /missing required column order_id/,
    );
  });
});
