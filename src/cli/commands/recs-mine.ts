import { open, rename, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { numberFlag, parseArgs, requiredFlag, UsageError, type Command, type ParsedArgs } from "../command.ts";
import { createProgress, type Progress } from "../progress.ts";
import { CsvFormatError } from "../../lib/csv.ts";
import { FileOpenError, openFileChunks } from "../../lib/csv-file.ts";
import {
  DEFAULT_MAX_LEN,
  DEFAULT_MIN_CONFIDENCE,
  DEFAULT_MIN_SUPPORT,
  mineTransactions,
  type MineOptions,
  type MineResult,
} from "../../recs/mine.ts";
import { writeRulesCsv } from "../../recs/rules-csv.ts";
import { loadTransactionsCsv } from "../../recs/transactions-csv.ts";
import type { Transactions } from "../../recs/transactions.ts";

const help = `Usage: npm run cli -- recs mine --input <transactions.csv> --output <rules.csv> [options]

Mines association rules ("orders with X also have Y") from a transactions file.
No database is involved.

Options:
  --input <file>          Transactions CSV to read (required)
  --output <file>         Rules CSV to write (required; written to a temporary file, then renamed)
  --min-support <S>       minimum support, a number in (0, 1]          (default ${DEFAULT_MIN_SUPPORT})
  --min-confidence <C>    minimum confidence, a number in [0, 1]       (default ${DEFAULT_MIN_CONFIDENCE})
  --max-len <K>           maximum items in a rule (lhs + rhs), K >= 2   (default ${DEFAULT_MAX_LEN})
  --help                  show this help

Input (Transactions CSV): UTF-8, header row required, one row per item in a basket:
  order_id,item[,member,placed_at,category,quantity,unit_price]
  Only order_id and item are used (header names are case-insensitive). Rows of one order need not
  be adjacent; an item repeated within an order counts once. Fields may be quoted (RFC 4180), so
  item names can contain commas, quotes and line breaks. Empty lines are skipped.

Output (Rules CSV): header lhs,rhs,support,confidence,lift,count
  lhs = one or more items joined by "|" in string order; rhs = one item. Over N orders (transactions):
    count      = orders containing lhs and rhs        support = count / N
    confidence = count / count(lhs)                   lift    = confidence / support(rhs)
  Every rule with support >= S, confidence >= C and 2 <= |lhs| + 1 <= K is written, sorted by lift
  (descending), then lhs, then rhs. These are R arules' definitions; support >= S is applied as
  count >= ceil(N * S). Numbers have up to 10 significant digits.

Progress goes to stderr (a bar on a terminal, periodic lines otherwise), then one summary line.
Exit status: 0 on success, 2 on bad options or bad input (with a one-line reason).

Examples:
  npm run cli -- recs mine --input orders.csv --output rules.csv
  npm run cli -- recs mine --input orders.csv --output rules.csv --min-support 0.01 --min-confidence 0.2
  npm run cli -- recs mine --input orders.csv --output rules3.csv --max-len 3
`;

export interface MineFlags {
  minSupport: number;
  minConfidence: number;
  maxLen: number;
}

/** The options `mineFlags` reads (each takes a value), for the recs commands' parseArgs. */
export const MINE_OPTIONS = { "min-support": true, "min-confidence": true, "max-len": true };

/** Shared by recs commands: --min-support / --min-confidence / --max-len. */
export function mineFlags(p: ParsedArgs, defaults: Partial<MineFlags> = {}): MineFlags {
  const minSupport = numberFlag(
    p,
    "min-support",
    defaults.minSupport ?? DEFAULT_MIN_SUPPORT,
    (n) => n > 0 && n <= 1,
    "a number in (0, 1]",
  );
  const minConfidence = numberFlag(
    p,
    "min-confidence",
    defaults.minConfidence ?? DEFAULT_MIN_CONFIDENCE,
    (n) => n >= 0 && n <= 1,
    "a number in [0, 1]",
  );
  const maxLen = numberFlag(
    p,
    "max-len",
    defaults.maxLen ?? DEFAULT_MAX_LEN,
    (n) => Number.isInteger(n) && n >= 2,
    "an integer >= 2",
  );
  return { minSupport, minConfidence, maxLen };
}

/**
 * Loads a Transactions CSV file with progress on stderr. Bad files become `UsageError`s (exit 2).
 * `startedAt` lets the progress bar appear once the whole command has run ~1 s.
 */
export async function loadTransactionsFile(path: string, startedAt = Date.now()): Promise<Transactions> {
  let opened;
  try {
    opened = await openFileChunks(path);
  } catch (err) {
    if (err instanceof FileOpenError) throw new UsageError(err.message);
    throw err;
  }
  const mib = 1 << 20;
  const progress = createProgress({
    label: "reading",
    total: Math.max(1, Math.round(opened.size / mib)),
    unit: "MiB",
    delayMs: Math.max(0, 1000 - (Date.now() - startedAt)),
  });
  try {
    const tx = await loadTransactionsCsv(opened.chunks, {
      onProgress: (bytes, rows) =>
        progress.update(Math.round(bytes / mib), undefined, `${rows.toLocaleString("en-US")} rows`),
    });
    progress.finish();
    return tx;
  } catch (err) {
    progress.finish();
    if (err instanceof CsvFormatError || err instanceof FileOpenError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}

/** Runs the miner with a progress bar per counting phase. */
export function mineWithProgress(tx: Transactions, flags: MineFlags, startedAt = Date.now()): MineResult {
  let progress: Progress | undefined;
  let phase = "";
  const opts: MineOptions = {
    ...flags,
    onProgress: (p) => {
      if (p.phase !== phase) {
        progress?.finish();
        phase = p.phase;
        progress = createProgress({
          label: `counting ${p.phase}`,
          total: p.total,
          unit: "orders",
          delayMs: Math.max(0, 1000 - (Date.now() - startedAt)),
        });
      }
      progress!.update(p.done, p.total);
    },
  };
  const result = mineTransactions(tx, opts);
  progress?.finish();
  return result;
}

/** Fails early (exit 2) if the output can't be written: missing directory, or a directory path. */
async function checkOutputPath(output: string): Promise<void> {
  const dir = dirname(resolve(output));
  const d = await stat(dir).catch(() => undefined);
  if (!d?.isDirectory()) throw new UsageError(`output directory does not exist: ${dir}`);
  const o = await stat(output).catch(() => undefined);
  if (o?.isDirectory()) throw new UsageError(`--output is a directory: ${output}`);
}

async function run(args: string[]): Promise<number> {
  const startedAt = Date.now();
  const p = parseArgs(args, { input: true, output: true, ...MINE_OPTIONS });
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}" (see --help)`);
  const input = requiredFlag(p, "input");
  const output = requiredFlag(p, "output");
  const flags = mineFlags(p);
  await checkOutputPath(output);

  const tx = await loadTransactionsFile(input, startedAt);
  const result = mineWithProgress(tx, flags, startedAt);

  const tmp = `${output}.tmp-${process.pid}`;
  const fh = await open(tmp, "w");
  try {
    await writeRulesCsv(result.rules, async (chunk) => {
      await fh.write(chunk);
    });
    await fh.close();
    await rename(tmp, output);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }

  const s = result.stats;
  const secs = ((Date.now() - startedAt) / 1000).toFixed(2);
  const fmt = (x: number): string => x.toLocaleString("en-US");
  process.stderr.write(
    `recs mine: ${fmt(s.transactions)} transactions, ${fmt(s.items)} items, ${fmt(s.rules)} rules ` +
      `(min count ${fmt(s.minCount)}, frequent itemsets ${s.frequentItemsets.map(fmt).join("/")}) in ${secs} s -> ${output}\n`,
  );
  return 0;
}

export const recsMineCommand: Command = {
  path: ["recs", "mine"],
  summary: "Mine association rules (X -> Y) from a transactions CSV into a rules CSV",
  help,
  run,
};
