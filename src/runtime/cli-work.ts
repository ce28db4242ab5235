/**
 * The CLI's long operations, written once and run either by the CLI on a database it opened or by the server that
 * holds the embedded DATA_DIR (as a background job, src/runtime/local-control.ts), so the server never lends its
 * database for them. Progress is reported as `WorkProgress` snapshots that the CLI draws the same way either way.
 */
import type { Db } from "../db/types.ts";
import { DomainError } from "../lib/errors.ts";
import { FileOpenError, openFileChunks } from "../lib/csv-file.ts";
import { readCsv } from "../lib/csv.ts";
import { getMerchant } from "../merchants/service.ts";
import { importProductsCsv } from "../catalog/service.ts";
import { importOrders, type ImportReport } from "../orders/import.ts";
import { buildModel, type BuildOptions, type BuildResult } from "../recs/build.ts";

/** One progress snapshot: a bar per `label`; `total` absent → a counter. */
export interface WorkProgress {
  label: string;
  done: number;
  total?: number | undefined;
  unit?: string | undefined;
  note?: string | undefined;
}

/** Bad input found while doing the work (unknown merchant, bad file, bad CSV header): the CLI exits 2. */
export class WorkInputError extends Error {}

async function requireMerchant(db: Db, merchantId: string): Promise<void> {
  if (!(await getMerchant(db, merchantId))) throw new WorkInputError(`no merchant ${merchantId}`);
}

/** `orders import`: streams the CSV file at `file` into the merchant's orders. */
export async function importOrdersFile(
  db: Db,
  merchantId: string,
  file: string,
  now: () => Date,
  onProgress: (p: WorkProgress) => void,
): Promise<ImportReport> {
  let opened: Awaited<ReturnType<typeof openFileChunks>>;
  try {
    opened = await openFileChunks(file);
  } catch (err) {
    if (err instanceof FileOpenError) throw new WorkInputError(err.message);
    throw err;
  }
  await requireMerchant(db, merchantId);
  let bytes = 0;
  const counted = (async function* () {
    for await (const chunk of opened.chunks) {
      bytes += chunk.byteLength;
      yield chunk;
    }
  })();
  try {
    return await importOrders(db, merchantId, readCsv(counted), now, (ev) =>
      onProgress(
        ev.phase === "read"
          ? {
              label: "import",
              done: bytes,
              total: opened.size,
              unit: "B",
              note: `reading (${ev.done.toLocaleString("en-US")} rows)`,
            }
          : { label: "import", done: ev.done, total: ev.total, unit: "orders", note: "posting orders" },
      ),
    );
  } catch (err) {
    if (err instanceof DomainError) throw new WorkInputError(err.message);
    throw err;
  }
}

/** `recs build`: the merchant's co-purchase model, one progress bar per phase. */
export async function buildRecsModel(
  db: Db,
  merchantId: string,
  opts: Omit<BuildOptions, "onProgress">,
  now: Date,
  onProgress: (p: WorkProgress) => void,
): Promise<BuildResult> {
  await requireMerchant(db, merchantId);
  try {
    return await buildModel(db, merchantId, now, {
      ...opts,
      onProgress: (ev) =>
        onProgress({
          label: ev.phase === "mining" ? `counting ${ev.detail ?? ""}`.trim() : ev.phase,
          done: ev.done,
          total: ev.total,
          unit: ev.phase === "storing" ? "rows" : "orders",
        }),
    });
  } catch (err) {
    if (err instanceof RangeError) throw new WorkInputError(err.message);
    throw err;
  }
}

/** `products import`: the whole file is one validation unit (one bad row rejects it, nothing written). */
export type ProductsImportResult =
  | { imported: number }
  | { invalid: { title: string; detail: string | undefined; errors: { path: string; message: string }[] } };

export async function importProductsFile(
  db: Db,
  merchantId: string,
  file: string,
  now: Date,
): Promise<ProductsImportResult> {
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new WorkInputError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  await requireMerchant(db, merchantId);
  try {
    return await importProductsCsv(db, merchantId, text, now);
  } catch (err) {
    if (!(err instanceof DomainError) || err.kind !== "invalid") throw err;
    const errors = (err.errors ?? []).map((e) => ({ path: e.path, message: e.message }));
    return { invalid: { title: err.title, detail: err.detail, errors } };
  }
}
