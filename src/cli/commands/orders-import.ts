import type { Command } from "../command.ts";
import { parseArgs, requiredFlag, UsageError } from "../command.ts";
import { createProgress } from "../progress.ts";
import { openFileChunks, FileOpenError } from "../../lib/csv-file.ts";
import { readCsv } from "../../lib/csv.ts";
import { DomainError } from "../../lib/errors.ts";
import { systemClock } from "../../lib/clock.ts";

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

Options:
  --merchant <id>   The merchant to import into (required)
  --json            Print the report as one JSON line

Example:
  npm run cli -- orders import pos-export.csv --merchant mer_123`,
  async run(args) {
    const p = parseArgs(args, { merchant: true, json: false });
    if (p.positionals.length !== 1) throw new UsageError("expected exactly one CSV file argument");
    const file = p.positionals[0]!;
    const merchantId = requiredFlag(p, "merchant");
    let opened;
    try {
      opened = await openFileChunks(file);
    } catch (err) {
      if (err instanceof FileOpenError) throw new UsageError(err.message);
      throw err;
    }
    const { openCliDatabase } = await import("../db.ts");
    const { importOrders } = await import("../../orders/import.ts");
    const { getMerchant } = await import("../../merchants/service.ts");
    const database = await openCliDatabase();
    try {
      if (!(await getMerchant(database.db, merchantId))) throw new UsageError(`no merchant ${merchantId}`);
      const progress = createProgress({ label: "import", unit: "rows" });
      let bytes = 0;
      const counted = (async function* () {
        for await (const chunk of opened.chunks) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      })();
      const report = await importOrders(
        database.db,
        merchantId,
        readCsv(counted),
        () => systemClock.now(),
        (ev) => {
          if (ev.phase === "read")
            progress.update(bytes, opened.size, `reading (${ev.done.toLocaleString("en-US")} rows)`);
          else progress.update(ev.done, ev.total, "posting orders");
        },
      );
      progress.finish();
      if (p.flags.has("json")) {
        process.stdout.write(JSON.stringify(report) + "\n");
      } else {
        process.stdout.write(
          `${report.rows} rows, ${report.orders} orders: ${report.imported} imported, ${report.unchanged} already present, ${report.rejected.length} rejected; ${report.pointsEarned} points earned\n`,
        );
        for (const r of report.rejected)
          process.stdout.write(`line ${r.lines.join(",")}: ${r.orderId ? `order ${r.orderId}: ` : ""}${r.reason}\n`);
      }
      return report.rejected.length === 0 ? 0 : 1;
    } catch (err) {
      if (err instanceof DomainError) throw new UsageError(err.message);
      throw err;
    } finally {
      await database.close();
    }
  },
};
