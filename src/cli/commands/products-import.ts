import { access, constants } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "../command.ts";
import { csvImportArgs, UsageError } from "../command.ts";
import { runWork } from "../remote.ts";
import { systemClock } from "../../lib/clock.ts";
import type { ProductsImportResult } from "../../runtime/cli-work.ts";

export const productsImport: Command = {
  path: ["products", "import"],
  summary: "Set catalog list prices from a CSV (all rows or none; same as POST /v1/products/import)",
  help: `Usage: npm run cli -- products import <file.csv> --merchant <merchantId> [--json]

Sets the merchant's catalog from a CSV with a header row (one product per row):
  sku, name, list_price     required; list_price in whole minor units (VND: đồng)
  category, margin, active  optional; margin a whole percent of the list price (0–100), active true/false
                            (default true)

A product already in the catalog is updated; order lines never change a list price. One bad row rejects the
whole file (every bad row is reported with its line number) and nothing is written. Exit code 0 when imported,
1 when rejected, 2 on bad usage.

Next to a running server on the embedded database (DATA_DIR) the server imports the file (it reads it from the
same path; a loopback call with the token from DATA_DIR's lock file): the server never pauses for it.

Options:
  --merchant <id>   The merchant whose catalog to set (required)
  --json            Print the result as one JSON line

Example:
  npm run cli -- products import catalog.csv --merchant mer_123`,
  async run(args) {
    const { file, merchantId, json } = csvImportArgs(args);
    // Fails early (exit 2) on an unreadable file, before any database is involved.
    try {
      await access(file, constants.R_OK);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const { importProductsFile } = await import("../../runtime/cli-work.ts");
    const at = resolve(file);
    // Next to a running server on DATA_DIR the server imports the file (it reads it from the same path).
    const r = await runWork<ProductsImportResult>("products.import", { merchantId, file: at }, (db) =>
      importProductsFile(db, merchantId, at, systemClock.now()),
    );
    if ("imported" in r) {
      process.stdout.write(json ? `${JSON.stringify(r)}\n` : `${r.imported} products imported\n`);
      return 0;
    }
    const { title, detail, errors } = r.invalid;
    if (json) process.stdout.write(`${JSON.stringify({ imported: 0, title, errors })}\n`);
    else {
      process.stdout.write(`${detail ?? title}\n`);
      for (const e of errors) process.stdout.write(`${e.path}: ${e.message}\n`);
    }
    return 1;
  },
};
