import { numberFlag, parseArgs, requiredFlag, UsageError, type Command } from "../command.ts";
import { evaluateHoldout, type SplitResult } from "../../recs/evaluate.ts";
import { loadBasketFacts } from "../../recs/basket-facts.ts";
import { openFileChunks } from "../../lib/csv-file.ts";
import { MAX_REFERENCE_ITEMS } from "../../recs/softmax.ts";
import { DEFAULT_MIN_CONFIDENCE, DEFAULT_MIN_SUPPORT } from "../../recs/mine.ts";
import { loadTransactionsFile, MINE_OPTIONS, mineFlags, mineWithProgress } from "./recs-mine.ts";

const help = `Usage: npm run cli -- recs evaluate --input <transactions.csv> [options]

Measures how well each recommendation method predicts a basket's missing item, side by side.

Random split: among orders with at least 2 distinct items, a deterministic share (--holdout, drawn
with --seed) becomes the test set. Each test order loses its last item (the item of its last row in
the file); rules are mined on everything else (other orders + test orders without that item).
Time split: orders sorted by placed_at (when every row has one; else file order); the latest --holdout
share of them is the test period;
rules and popularity come from earlier orders only; each test order with 2+ items loses its last item.
Methods:
  rules                rules with lhs inside the order, rhs not, ranked by confidence x lift
  popularity           most frequent items not in the order
  rules+popularity     the blend: each item's best rule confidence shrunk toward its popularity
                       (10 pseudo-orders), popularity as the floor - the default model
  member-history       the blend plus the member's own earlier orders (when the file has member)
  expected-value       ranked by probability x value (when the file has unit_price or margin)
  reference            with --reference: a softmax regression fitted to this very task (which item
                       completes the order): how much the data holds beyond popularity; never chosen
Reported per method:
  hit@k     share of test orders whose held-out item is among the top k recommendations (k = 1, 3, 5)
  mrr       mean 1/rank of the held-out item within the top 5 (0 when not in it)
  coverage  share of test orders that got any recommendation
  catalog   share of the catalog recommended at least once (top 5)
  top10     share of recommendations that are merely the 10 best sellers
  margin@5  mean value (margin column, else unit_price) of the held-out item when in the top 5
"chosen" names the method with the best hit@5 on the time split: the default model.

Options:
  --input <file>          Transactions CSV (same format as \`recs mine\`; required)
  --holdout <share>       share of eligible orders held out, in (0, 1)      (default 0.2)
  --seed <n>              integer seed for the draw                         (default 42)
  --hide <last|random>    item a test order loses: its last row's, or one drawn with the seed
                                                                            (default last)
  --min-support <S>       minimum support for mining, in (0, 1]             (default ${DEFAULT_MIN_SUPPORT})
  --min-confidence <C>    minimum confidence for mining, in [0, 1]          (default ${DEFAULT_MIN_CONFIDENCE})
  --max-len <K>           maximum items per rule, K >= 2                    (default 2)
  --reference             also fit the learned reference model (catalogs up to ${MAX_REFERENCE_ITEMS} items)
  --json                  print the results as JSON instead of a table
  --help                  show this help

Progress and a summary line go to stderr; the table (or JSON) goes to stdout.
Exit status: 0 on success, 2 on bad options or bad input.

Examples:
  npm run cli -- recs evaluate --input orders.csv
  npm run cli -- recs evaluate --input orders.csv --holdout 0.1 --seed 7 --min-support 0.005 --json
`;

async function run(args: string[]): Promise<number> {
  const startedAt = Date.now();
  const p = parseArgs(args, {
    input: true,
    holdout: true,
    seed: true,
    ...MINE_OPTIONS,
    hide: true,
    reference: false,
    json: false,
  });
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}" (see --help)`);
  const input = requiredFlag(p, "input");
  const holdout = numberFlag(p, "holdout", 0.2, (n) => n > 0 && n < 1, "a number in (0, 1)");
  const seed = numberFlag(p, "seed", 42, (n) => Number.isSafeInteger(n), "an integer");
  const flags = mineFlags(p);
  const hide = p.flags.get("hide") ?? "last";
  if (hide !== "last" && hide !== "random") {
    throw new UsageError(`--hide must be "last" or "random" (got ${String(hide)})`);
  }
  const json = p.flags.get("json") === true;
  const reference = p.flags.get("reference") === true;

  const tx = await loadTransactionsFile(input, startedAt);
  if (reference && tx.items.length > MAX_REFERENCE_ITEMS)
    throw new UsageError(
      `--reference: ${tx.items.length} items, the reference model takes at most ${MAX_REFERENCE_ITEMS}`,
    );
  const facts = (await loadBasketFacts((await openFileChunks(input)).chunks)) ?? undefined;
  const result = evaluateHoldout(tx, {
    ...flags,
    holdout,
    seed,
    hide,
    facts,
    reference,
    mine: (train) => mineWithProgress(train, flags, startedAt),
  });
  if (result.testBaskets === 0)
    throw new UsageError(`${input}: no order has 2 or more distinct items, nothing to hold out`);

  if (json) {
    process.stdout.write(JSON.stringify({ input, holdout, seed, hide, ...flags, ...result }, null, 2) + "\n");
  } else {
    const ts = result.timeSplit;
    const timeTable = ts ? `\ntime split by ${ts.by} (test from ${ts.from}):\n${table(ts.methods)}` : "";
    process.stdout.write(table(result.methods) + timeTable + `chosen: ${result.chosen}\n`);
  }
  const fmt = (x: number): string => x.toLocaleString("en-US");
  process.stderr.write(
    `recs evaluate: ${fmt(result.testBaskets)} test orders of ${fmt(result.eligible)} eligible (${fmt(result.transactions)} transactions), ` +
      `${fmt(result.rules)} rules (S=${flags.minSupport}, C=${flags.minConfidence}, K=${flags.maxLen}) in ${((Date.now() - startedAt) / 1000).toFixed(2)} s\n`,
  );
  return 0;
}

const NAMES: [keyof SplitResult["methods"], string][] = [
  ["rules", "rules"],
  ["popularity", "popularity"],
  ["rulesWithPopularity", "rules+popularity"],
  ["memberHistory", "member-history"],
  ["expectedValue", "expected-value"],
  ["reference", "reference"],
];

/** Hit rates first (the original columns), then the other metrics per method. */
function table(methods: SplitResult["methods"]): string {
  const pct = (x: number): string => (x * 100).toFixed(1).padStart(6) + "%";
  const withMargin = methods.rules.marginAt5 !== null;
  const hits = [`method              hit@1    hit@3    hit@5  coverage`];
  const more = [`method                 mrr  catalog    top10${withMargin ? "   margin@5" : ""}`];
  for (const [key, name] of NAMES) {
    const s = methods[key];
    if (!s) continue;
    hits.push(`${name.padEnd(18)}${pct(s.hitAt1)}  ${pct(s.hitAt3)}  ${pct(s.hitAt5)}  ${pct(s.coverage)}`);
    more.push(
      `${name.padEnd(18)}${s.mrr.toFixed(3).padStart(8)} ${pct(s.catalogCoverage)}  ${pct(s.topSellerShare)}` +
        (s.marginAt5 === null ? "" : `  ${s.marginAt5.toFixed(1).padStart(9)}`),
    );
  }
  return hits.join("\n") + "\n\n" + more.join("\n") + "\n";
}

export const recsEvaluateCommand: Command = {
  path: ["recs", "evaluate"],
  summary: "Hold out one item per order and compare recommendation methods (hit@1/3/5, MRR, coverage) side by side",
  help,
  run,
};
