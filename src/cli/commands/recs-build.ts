import { numberFlag, parseArgs, requiredFlag, stringFlag, UsageError, type Command } from "../command.ts";
import { runWork } from "../remote.ts";
import type { BuildResult } from "../../recs/build.ts";
import { MINE_OPTIONS } from "./recs-mine.ts";

const help = `Usage: npm run cli -- recs build --merchant <merchantId> [options]

Builds the merchant's co-purchase model from its orders in the database — what product recommendations
(GET /v1/products/{sku}/recommendations) and the bot's offers use — and stores it as a new version.

Transactions are every order of the merchant, guest orders included, fully refunded orders excluded; a
basket is the order's distinct SKUs. Rules are mined exactly as \`recs mine\` does (R arules' definitions).
The newest versions are kept (--keep, default 5) so offers already shown stay explainable.

Re-running after new orders builds a new version (a full rebuild: support and lift of every rule change
with each order). When no order or refund was added since the current model and the thresholds are the
same, nothing is rebuilt (status "unchanged"); --force rebuilds anyway. The server also rebuilds stale
models nightly.

Options:
  --merchant <id>         the merchant (required)
  --min-support <S>       minimum support, in (0, 1]         (default 0.001)
  --min-confidence <C>    minimum confidence, in [0, 1]      (default 0.05)
  --max-len <K>           maximum items per rule, K >= 2     (default 3)
  --keep <n>              model versions to keep, n >= 1     (default 5)
  --force                 rebuild even when nothing changed
  --json                  print the result as one JSON line
  --help                  show this help

Explicit thresholds stick: later builds without flags (and the nightly job) reuse them.
Progress goes to stderr (a bar on a terminal, periodic lines otherwise); the summary goes to stdout.
Next to a running server on the embedded database (DATA_DIR) the server builds the model and this command follows
its progress (a loopback call with the token from DATA_DIR's lock file): the server never pauses for it.
Exit status: 0 on success, 2 on bad options or an unknown merchant.

Examples:
  npm run cli -- recs build --merchant mer_123
  npm run cli -- recs build --merchant mer_123 --min-support 0.005 --max-len 2 --json
`;

async function run(args: string[]): Promise<number> {
  const startedAt = Date.now();
  const p = parseArgs(args, { merchant: true, ...MINE_OPTIONS, keep: true, force: false, json: false });
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}" (see --help)`);
  const merchantId = requiredFlag(p, "merchant");
  const opt = (name: string, check: (n: number) => boolean, what: string): number | undefined =>
    stringFlag(p, name) === undefined ? undefined : numberFlag(p, name, 0, check, what);
  const minSupport = opt("min-support", (n) => n > 0 && n <= 1, "a number in (0, 1]");
  const minConfidence = opt("min-confidence", (n) => n >= 0 && n <= 1, "a number in [0, 1]");
  const maxLen = opt("max-len", (n) => Number.isInteger(n) && n >= 2, "an integer >= 2");
  const keepVersions = opt("keep", (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");
  const json = p.flags.get("json") === true;

  const { buildRecsModel } = await import("../../runtime/cli-work.ts");
  const options = { minSupport, minConfidence, maxLen, keepVersions, force: p.flags.get("force") === true };
  // Next to a running server on DATA_DIR the server builds the model (a background job this command follows).
  const result = await runWork<BuildResult>("recs.build", { merchantId, options }, (db, progress) =>
    buildRecsModel(db, merchantId, options, new Date(), progress),
  );
  const m = result.model;
  if (json) {
    process.stdout.write(
      JSON.stringify({
        merchantId,
        status: result.status,
        modelId: m.id,
        version: m.version,
        builtAt: m.builtAt,
        transactions: m.nTransactions,
        rules: m.params.rules,
        params: m.params,
        pruned: result.pruned,
        ms: result.ms,
      }) + "\n",
    );
  } else {
    const fmt = (x: number): string => x.toLocaleString("en-US");
    const what =
      result.status === "built"
        ? `built model v${m.version}`
        : `model v${m.version} unchanged (no new orders or refunds; --force rebuilds)`;
    process.stdout.write(
      `${what}: ${fmt(m.nTransactions)} orders, ${fmt(m.params.items)} products, ${fmt(m.params.rules)} rules ` +
        `(S=${m.params.minSupport}, C=${m.params.minConfidence}, K=${m.params.maxLen}, min count ${m.params.minCount}) in ${((Date.now() - startedAt) / 1000).toFixed(2)} s\n`,
    );
  }
  return 0;
}

export const recsBuildCommand: Command = {
  path: ["recs", "build"],
  summary: "Build the merchant's co-purchase model from its orders (what offers and recommendations use)",
  help,
  run,
};
