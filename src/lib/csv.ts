/**
 * Streaming RFC 4180 CSV reader and writer helpers. Runtime-neutral (no Node APIs): the input is any
 * (async) iterable of text or UTF-8 byte chunks, or a web `ReadableStream`. For Node file access see
 * `csv-file.ts`.
 *
 * Reading rules (shared with the byte-level transactions loader in `src/recs/transactions-csv.ts`):
 * - Fields are separated by `,`; records end at LF, CRLF or a lone CR.
 * - A field that starts with `"` is quoted: it may contain `,`, CR/LF and doubled quotes (`""` → `"`).
 *   Text after the closing quote up to the next delimiter is kept literally (lenient), and a `"` inside
 *   an unquoted field is an ordinary character. An unterminated quoted field is an error.
 * - A UTF-8 byte order mark at the start of the input is dropped.
 * - Empty lines (no characters at all between line breaks) are skipped; they yield no record.
 * - `line` is the 1-based physical line on which a record starts (line breaks inside quoted fields
 *   count, so later records keep their editor line numbers).
 */

export interface CsvRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  fields: string[];
}

/** Malformed CSV (or a record that breaks the caller's expectations) at a given line. */
export class CsvFormatError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "CsvFormatError";
    this.line = line;
  }
}

export type CsvChunk = string | Uint8Array;
export type CsvInput = AsyncIterable<CsvChunk> | Iterable<CsvChunk> | ReadableStream<CsvChunk>;

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Incremental, synchronous CSV parser over text chunks. `push` returns the records completed by the
 * chunk; `end` flushes the last record (one without a trailing line break). A BOM (U+FEFF) at the very
 * start of the text is dropped.
 */
export class CsvParser {
  private buf = "";
  private line = 1;
  private started = false;

  push(text: string, out: CsvRecord[] = []): CsvRecord[] {
    if (!this.started) {
      if (text.length === 0) return out;
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    this.parse(false, out);
    return out;
  }

  end(out: CsvRecord[] = []): CsvRecord[] {
    this.parse(true, out);
    this.buf = "";
    return out;
  }

  /** Parses complete records from `buf`; keeps the incomplete tail for the next chunk. */
  private parse(final: boolean, out: CsvRecord[]): void {
    const buf = this.buf;
    const n = buf.length;
    let p = 0;
    let line = this.line;
    outer: while (p < n) {
      const recStart = p;
      const recLine = line;
      let c = buf.charCodeAt(p);
      // Empty line.
      if (c === LF) {
        p++;
        line++;
        continue;
      }
      if (c === CR) {
        if (p + 1 < n) {
          p += buf.charCodeAt(p + 1) === LF ? 2 : 1;
        } else if (final) {
          p++;
        } else break;
        line++;
        continue;
      }
      const fields: string[] = [];
      for (;;) {
        let value: string;
        if (p < n && buf.charCodeAt(p) === QUOTE) {
          // Quoted field.
          p++;
          value = "";
          for (;;) {
            const q = buf.indexOf('"', p);
            if (q < 0) {
              if (final) throw new CsvFormatError(recLine, "unterminated quoted field");
              p = recStart;
              line = recLine;
              break outer;
            }
            line += countLineBreaks(buf, p, q);
            value += buf.slice(p, q);
            if (q + 1 >= n && !final) {
              p = recStart;
              line = recLine;
              break outer;
            }
            if (q + 1 < n && buf.charCodeAt(q + 1) === QUOTE) {
              value += '"';
              p = q + 2;
              continue;
            }
            p = q + 1;
            break;
          }
          // Lenient: text between the closing quote and the delimiter is kept.
          if (p < n) {
            const s = p;
            while (p < n) {
              c = buf.charCodeAt(p);
              if (c === COMMA || c === LF || c === CR) break;
              p++;
            }
            if (p > s) value += buf.slice(s, p);
          }
        } else {
          const s = p;
          while (p < n) {
            c = buf.charCodeAt(p);
            if (c === COMMA || c === LF || c === CR) break;
            p++;
          }
          value = buf.slice(s, p);
        }
        // At a delimiter or at the end of the buffer.
        if (p >= n) {
          if (!final) {
            p = recStart;
            line = recLine;
            break outer;
          }
          fields.push(value);
          out.push({ line: recLine, fields });
          break;
        }
        c = buf.charCodeAt(p);
        fields.push(value);
        if (c === COMMA) {
          p++;
          continue;
        }
        if (c === LF) {
          p++;
        } else {
          // CR: need the next character to know whether it is CRLF.
          if (p + 1 < n) p += buf.charCodeAt(p + 1) === LF ? 2 : 1;
          else if (final) p++;
          else {
            p = recStart;
            line = recLine;
            break outer;
          }
        }
        line++;
        out.push({ line: recLine, fields });
        break;
      }
    }
    this.buf = p >= n ? "" : buf.slice(p);
    this.line = line;
  }
}

/** Line breaks (LF, CRLF, lone CR) in buf[from, to). A CR at `to - 1` counts as a lone CR. */
function countLineBreaks(buf: string, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    const c = buf.charCodeAt(i);
    if (c === LF) k++;
    else if (c === CR && (i + 1 >= to || buf.charCodeAt(i + 1) !== LF)) k++;
  }
  return k;
}

/** Iterates the chunks of any supported input (sync/async iterable or web ReadableStream). */
export async function* iterateChunks(input: CsvInput): AsyncGenerator<CsvChunk> {
  if (isReadableStream(input)) {
    const reader = input.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    // for await works on both sync and async iterables.
    for await (const chunk of input as AsyncIterable<CsvChunk>) yield chunk;
  }
}

function isReadableStream(x: unknown): x is ReadableStream<CsvChunk> {
  return typeof x === "object" && x !== null && typeof (x as { getReader?: unknown }).getReader === "function";
}

/**
 * Reads CSV records in batches (one array per input chunk) — the cheap way to consume large files,
 * since it avoids one promise per record.
 */
export async function* readCsvBatches(input: CsvInput): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvParser();
  const decoder = new TextDecoder("utf-8"); // drops a UTF-8 BOM by default
  for await (const chunk of iterateChunks(input)) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    const out = parser.push(text);
    if (out.length > 0) yield out;
  }
  const tail = decoder.decode();
  const out = tail ? parser.push(tail) : [];
  parser.end(out);
  if (out.length > 0) yield out;
}

/**
 * Streams CSV records: `{ line, fields }` per record, empty lines skipped. The first record is the
 * header (if the file has one) — this reader does not interpret it.
 *
 * @example
 * for await (const { line, fields } of readCsv(openFileChunks("orders.csv"))) { … }
 */
export async function* readCsv(input: CsvInput): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvBatches(input)) yield* batch;
}

/** Parses a whole CSV text (convenience for tests and small inputs). */
export function parseCsv(text: string): CsvRecord[] {
  const p = new CsvParser();
  const out = p.push(text);
  return p.end(out);
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One field for writing: quoted (with doubled quotes) when it contains `,`, `"`, CR or LF. */
export function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV row (fields joined by `,`, each quoted as needed), without the line break. */
export function csvRow(fields: readonly string[]): string {
  let s = "";
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) s += ",";
    s += csvField(fields[i]!);
  }
  return s;
}

/**
 * Maps header names to column indices: names are matched case-insensitively after trimming.
 * Throws `CsvFormatError` naming the missing required columns.
 */
export function headerIndex(
  header: CsvRecord,
  required: readonly string[],
  optional: readonly string[] = [],
): Map<string, number> {
  const map = new Map<string, number>();
  header.fields.forEach((name, i) => {
    const key = name.trim().toLowerCase();
    if (!map.has(key)) map.set(key, i);
  });
  const missing = required.filter((r) => !map.has(r));
  if (missing.length > 0) {
    throw new CsvFormatError(
      header.line,
      `header is missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (found: ${header.fields.join(", ") || "nothing"})`,
    );
  }
  const out = new Map<string, number>();
  for (const k of [...required, ...optional]) {
    const i = map.get(k);
    if (i !== undefined) out.set(k, i);
  }
  return out;
}
