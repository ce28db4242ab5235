import { readFile } from "node:fs/promises";
import type { Command } from "../command.ts";
import { parseArgs, requiredFlag, UsageError } from "../command.ts";
import { DomainError } from "../../lib/errors.ts";
import { systemClock } from "../../lib/clock.ts";

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

Options:
  --merchant <id>   The merchant whose catalog to set (required)
  --json            Print the result as one JSON line

Example:
  npm run cli -- products import catalog.csv --merchant mer_123`,
  async run(args) {
    const p = parseArgs(args, { merchant: true, json: false });
    if (p.positionals.length !== 1) throw new UsageError("expected exactly one CSV file argument");
    const file = p.positionals[0]!;
    const merchantId = requiredFlag(p, "merchant");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const { openCliDatabase } = await import("../db.ts");
    const { importProductsCsv } = await import("../../catalog/service.ts");
    const { getMerchant } = await import("../../merchants/service.ts");
    const database = await openCliDatabase();
    try {
      if (!(await getMerchant(database.db, merchantId))) throw new UsageError(`no merchant ${merchantId}`);
      try {
        const r = await importProductsCsv(database.db, merchantId, text, systemClock.now());
        process.stdout.write(p.flags.has("json") ? `${JSON.stringify(r)}\n` : `${r.imported} products imported\n`);
        return 0;
      } catch (err) {
        if (!(err instanceof DomainError) || err.kind !== "invalid") throw err;
        const errors = err.errors ?? [];
        if (p.flags.has("json")) process.stdout.write(`${JSON.stringify({ imported: 0, title: err.title, errors })}\n`);
        else {
          process.stdout.write(`${err.detail ?? err.title}\n`);
          for (const e of errors) process.stdout.write(`${e.path}: ${e.message}\n`);
        }
        return 1;
      }
    } finally {
      await database.close();
    }
  },
};
