import { numberFlag, parseArgs, requiredFlag, UsageError, type Command } from "../command.ts";
import { evaluateHoldout, type MethodScore } from "../../recs/evaluate.ts";
import { DEFAULT_MIN_CONFIDENCE, DEFAULT_MIN_SUPPORT } from "../../recs/mine.ts";
import { loadTransactionsFile, mineFlags, mineWithProgress } from "./recs-mine.ts";

const help = `Usage: npm run cli -- recs evaluate --input <transactions.csv> [options]

Measures how well mined rules predict a basket's missing item, against a popularity baseline.

Protocol: among orders with at least 2 distinct items, a deterministic share (--holdout, drawn with
--seed) becomes the test set. Each test order loses its last item (the item of its last row in the
file); rules are mined on everything else (other orders + test orders without that item). For each
test order, the rules whose lhs is inside the remaining items and whose rhs is not recommend items,
ranked by confidence x lift (best rule per item). Reported per method:
  hit@k     share of test orders whose held-out item is among the top k recommendations (k = 1, 3, 5)
  coverage  share of test orders that got any recommendation
Methods: rules; popularity (most frequent items not in the order); rules+popularity (rules, filled
up to 5 with popular items).

Options:
  --input <file>          Transactions CSV (same format as \`recs mine\`; required)
  --holdout <share>       share of eligible orders held out, in (0, 1)      (default 0.2)
  --seed <n>              integer seed for the draw                         (default 42)
  --min-support <S>       minimum support for mining, in (0, 1]             (default ${DEFAULT_MIN_SUPPORT})
  --min-confidence <C>    minimum confidence for mining, in [0, 1]          (default ${DEFAULT_MIN_CONFIDENCE})
  --max-len <K>           maximum items per rule, K >= 2                    (default 2)
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
    "min-support": true,
    "min-confidence": true,
    "max-len": true,
    json: false,
  });
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}" (see --help)`);
  const input = requiredFlag(p, "input");
  const holdout = numberFlag(p, "holdout", 0.2, (n) => n > 0 && n < 1, "a number in (0, 1)");
  const seed = numberFlag(p, "seed", 42, (n) => Number.isSafeInteger(n), "an integer");
  const flags = mineFlags(p);
  const json = p.flags.get("json") === true;

  const tx = await loadTransactionsFile(input, startedAt);
  const result = evaluateHoldout(tx, {
    ...flags,
    holdout,
    seed,
    mine: (train) => mineWithProgress(train, flags, startedAt),
  });
  if (result.testBaskets === 0) throw new UsageError(`${input}: no order has 2 or more distinct items, nothing to hold out`);

  if (json) {
    process.stdout.write(
      JSON.stringify({ input, holdout, seed, ...flags, ...result }, null, 2) + "\n",
    );
  } else {
    const pct = (x: number): string => (x * 100).toFixed(1).padStart(6) + "%";
    const row = (name: string, s: MethodScore): string =>
      `${name.padEnd(18)}${pct(s.hitAt1)}  ${pct(s.hitAt3)}  ${pct(s.hitAt5)}  ${pct(s.coverage)}`;
    const m = result.methods;
    process.stdout.write(
      [
        `method              hit@1    hit@3    hit@5  coverage`,
        row("rules", m.rules),
        row("popularity", m.popularity),
        row("rules+popularity", m.rulesWithPopularity),
      ].join("\n") + "\n",
    );
  }
  const fmt = (x: number): string => x.toLocaleString("en-US");
  process.stderr.write(
    `recs evaluate: ${fmt(result.testBaskets)} test orders of ${fmt(result.eligible)} eligible (${fmt(result.transactions)} transactions), ` +
      `${fmt(result.rules)} rules (S=${flags.minSupport}, C=${flags.minConfidence}, K=${flags.maxLen}) in ${((Date.now() - startedAt) / 1000).toFixed(2)} s\n`,
  );
  return 0;
}

export const recsEvaluateCommand: Command = {
  path: ["recs", "evaluate"],
  summary: "Hold out one item per order and measure rule recommendations (hit@1/3/5) vs popularity",
  help,
  run,
};
