/**
 * Pair rules (K = 2) computed by DuckDB with SQL over a Transactions CSV — the benchmark's reference
 * engine. Same definitions and thresholds as `recs mine` (count ≥ ⌈N·S⌉ with the same 1e-12 guard,
 * confidence ≥ C − 1e-12, infrequent items pruned before the self-join) and the same output format.
 *
 *   node bench/recs/duckdb-rules.ts --input <file.csv> --output <rules.csv> [--min-support S] [--min-confidence C]
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { pathToFileURL } from "node:url";

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function pairRulesSql(input: string, output: string, minSupport: number, minConfidence: number): string {
  return `
COPY (
  WITH t AS (
    SELECT DISTINCT order_id, item
    FROM read_csv(${lit(input)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
  ),
  n AS (SELECT count(DISTINCT order_id)::DOUBLE AS n FROM t),
  mc AS (SELECT greatest(1, ceil(n * ${minSupport} * (1 - 1e-12)))::BIGINT AS m, n FROM n),
  fi AS (SELECT item, count(*) AS c FROM t GROUP BY item HAVING count(*) >= (SELECT m FROM mc)),
  ft AS (SELECT order_id, item FROM t SEMI JOIN fi USING (item)),
  pc AS (
    SELECT a.item AS x, b.item AS y, count(*) AS c
    FROM ft a JOIN ft b ON a.order_id = b.order_id AND a.item < b.item
    GROUP BY a.item, b.item
    HAVING count(*) >= (SELECT m FROM mc)
  ),
  r AS (SELECT x AS lhs, y AS rhs, c FROM pc UNION ALL SELECT y, x, c FROM pc)
  SELECT r.lhs, r.rhs, r.c / mc.n AS support, r.c / l.c AS confidence,
         (r.c * mc.n) / (l.c * rr.c) AS lift, r.c AS count
  FROM r JOIN fi l ON l.item = r.lhs JOIN fi rr ON rr.item = r.rhs CROSS JOIN mc
  WHERE r.c / l.c >= ${minConfidence} - 1e-12
  ORDER BY lift DESC, lhs, rhs
) TO ${lit(output)} (HEADER, DELIMITER ',')`;
}

export async function main(args: string[]): Promise<number> {
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const input = get("input");
  const output = get("output");
  if (!input || !output) {
    process.stderr.write(
      "usage: node bench/recs/duckdb-rules.ts --input <file.csv> --output <rules.csv> [--min-support S] [--min-confidence C]\n",
    );
    return 2;
  }
  const started = performance.now();
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  await con.run(
    pairRulesSql(input, output, Number(get("min-support") ?? 0.001), Number(get("min-confidence") ?? 0.05)),
  );
  con.closeSync();
  db.closeSync();
  process.stderr.write(`duckdb: ${((performance.now() - started) / 1000).toFixed(2)} s -> ${output}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
