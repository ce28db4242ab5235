import type { Command } from "../command.ts";
import { csvImportArgs, UsageError } from "../command.ts";
import { resolve } from "node:path";
import { runWork } from "../remote.ts";
import { fileSize, FileOpenError } from "../../lib/csv-file.ts";
import { systemClock } from "../../lib/clock.ts";
import type { ImportReport } from "../../orders/import.ts";

export const ordersImport: Command = {
  path: ["orders", "import"],
  summary: "Import orders from a Transactions CSV (idempotent by order_id, streaming)",
  help: `Usage: npm run cli -- orders import <file.csv> --merchant <merchantId> [--json]

Imports orders from a CSV with a header row. Columns (long format, one row per item):
  order_id, item            required; item is the product SKU, order_id becomes the order's externalId
  member                    optional: phone number or member id; unknown members → guest order
  placed_at                 optional ISO date-time (default: now)
  category, quantity (1), unit_price (0)
  name, discount (0), channel (pos)   optional extras

Rows of one order need not be adjacent. Re-importing the same file adds nothing; an order_id already
present with different content, and malformed rows, are skipped and reported with their line numbers.
Exit code 0 only when no row was rejected (1 otherwise, 2 on bad usage).

Next to a running server on the embedded database (DATA_DIR) the server imports the file (it reads it from the
same path; a loopback call with the token from DATA_DIR's lock file) and this command shows its progress: the
server keeps answering meanwhile instead of lending its database for the whole import.

Options:
  --merchant <id>   The merchant to import into (required)
  --json            Print the report as one JSON line

Example:
  npm run cli -- orders import pos-export.csv --merchant mer_123`,
  async run(args) {
    const { file, merchantId, json } = csvImportArgs(args);
    // Fails early (exit 2) on a missing file; the server (or this process) opens it again to stream it.
    try {
      await fileSize(file);
    } catch (err) {
      if (err instanceof FileOpenError) throw new UsageError(err.message);
      throw err;
    }
    const { importOrdersFile } = await import("../../runtime/cli-work.ts");
    const input = { merchantId, file: resolve(file) };
    const report = await runWork<ImportReport>("orders.import", input, (db, progress) =>
      importOrdersFile(db, merchantId, input.file, () => systemClock.now(), progress),
    );
    if (json) {
      process.stdout.write(JSON.stringify(report) + "\n");
    } else {
      process.stdout.write(
        `${report.rows} rows, ${report.orders} orders: ${report.imported} imported, ${report.unchanged} already present, ${report.rejected.length} rejected; ${report.pointsEarned} points earned\n`,
      );
      for (const r of report.rejected)
        process.stdout.write(`line ${r.lines.join(",")}: ${r.orderId ? `order ${r.orderId}: ` : ""}${r.reason}\n`);
    }
    return report.rejected.length === 0 ? 0 : 1;
  },
};
