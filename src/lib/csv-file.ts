/**
 * Node-only file helpers for the CSV reader (kept apart so `csv.ts` stays runtime-neutral).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { readCsv, type CsvRecord } from "./csv.ts";

export interface OpenedFile {
  /** Raw byte chunks of the file (1 MiB each). */
  chunks: AsyncIterable<Uint8Array>;
  /** File size in bytes (for progress). */
  size: number;
}

/** Thrown when a file can't be opened; `message` is one readable line. */
export class FileOpenError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "FileOpenError";
    this.code = code;
  }
}

/** Size of a regular file; `FileOpenError` (one readable line) if missing, a directory or unreadable. */
export async function fileSize(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new FileOpenError(`${path} is a directory, not a file`, "EISDIR");
    return st.size;
  } catch (err) {
    if (err instanceof FileOpenError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new FileOpenError(`file not found: ${path}`, code);
    throw new FileOpenError(`cannot open ${path}: ${(err as Error).message}`, code);
  }
}

/**
 * Opens a file for streaming. Fails early (before any chunk is read) with a `FileOpenError` when the
 * path is missing, a directory, or unreadable. `range` limits reading to bytes [start, end).
 */
export async function openFileChunks(
  path: string,
  chunkSize = 1 << 20,
  range?: { start: number; end: number },
): Promise<OpenedFile> {
  const size = await fileSize(path);
  if (range && range.end <= range.start) return { chunks: (async function* () {})(), size };
  const stream = createReadStream(
    path,
    range ? { highWaterMark: chunkSize, start: range.start, end: range.end - 1 } : { highWaterMark: chunkSize },
  );
  // Surface open errors (e.g. EACCES) with a readable message.
  const chunks = (async function* () {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new FileOpenError(`cannot read ${path}: ${(err as Error).message}`, code);
    }
  })();
  return { chunks, size };
}

/** Streams the CSV records of a file (see `readCsv`). */
export async function* readCsvFile(path: string): AsyncGenerator<CsvRecord> {
  const { chunks } = await openFileChunks(path);
  yield* readCsv(chunks);
}
