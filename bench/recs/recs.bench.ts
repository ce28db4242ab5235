/**
 * Benchmark: `recs mine` end to end (read CSV + mine + write rules) vs DuckDB computing the same pair
 * rules with SQL over the same CSV, same thresholds, in the same run.
 *
 *   npm run bench -- recs [--orders 1000000] [--products 5000] [--seed 42]
 *                                 [--min-support 0.001] [--min-confidence 0.05] [--runs 1] [--no-duckdb]
 *                                 [--no-evaluate]
 *
 * The transactions file is generated once (deterministically) into bench/out/ (gitignored) and reused.
 * Each engine runs as its own child process (`node --import rss-probe.ts …`), so the wall time
 * includes process start-up and the peak RSS is the child's own (process.resourceUsage().maxRSS).
 * With --runs N each engine runs N times and the fastest run is reported.
 *
 * The CLI start-up alone (`main.ts --help`) is measured too and printed for context. Then (unless
 * --no-evaluate) `recs evaluate` on the same file reports each method's hit rates with its own time and RSS.
 *
 * Checks (exit 1 when one fails): both engines emit the same rule set (count exact, support,
 * confidence and lift within 1e-6, relative for lift), and every planted complementary pair — and
 * every pair inside a planted triple — is found in both directions.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { generateBaskets, type Planted } from "../data/generate-baskets.ts";
import { parseCsv } from "../../src/lib/csv.ts";
import { parseRulesCsv } from "../../src/recs/rules-csv.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const outDir = join(root, "bench", "out");
const probe = pathToFileURL(join(root, "bench", "recs", "rss-probe.ts")).href;

interface RunResult {
  seconds: number;
  peakRssMiB: number;
}

function runChild(args: string[]): Promise<RunResult & { stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "--import", probe, ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        reject(new Error(`${args.join(" ")} exited with ${code}:\n${stderr}`));
        return;
      }
      const m = /__PEAK_RSS_KB__=(\d+)/.exec(stderr);
      resolve({ seconds, peakRssMiB: m ? Number(m[1]) / 1024 : NaN, stderr, stdout });
    });
  });
}

interface SimpleRule {
  lhs: string;
  rhs: string;
  count: number;
  support: number;
  confidence: number;
  lift: number;
}

async function readRules(path: string): Promise<Map<string, SimpleRule>> {
  const text = await readFile(path, "utf8");
  const out = new Map<string, SimpleRule>();
  if (text.startsWith("lhs,rhs,support,confidence,lift,count\n")) {
    for (const r of parseRulesCsv(text)) out.set(`${r.lhs.join("|")}\u0000${r.rhs}`, { ...r, lhs: r.lhs.join("|") });
    return out;
  }
  // DuckDB's COPY output: same columns; tolerate CRLF and quoting differences via the generic reader.
  const [header, ...rows] = parseCsv(text);
  const idx = (name: string): number => header!.fields.indexOf(name);
  const [l, r, s, c, li, n] = ["lhs", "rhs", "support", "confidence", "lift", "count"].map(idx) as number[];
  for (const { fields } of rows) {
    const rule = {
      lhs: fields[l!]!,
      rhs: fields[r!]!,
      support: Number(fields[s!]),
      confidence: Number(fields[c!]),
      lift: Number(fields[li!]),
      count: Number(fields[n!]),
    };
    out.set(`${rule.lhs}\u0000${rule.rhs}`, rule);
  }
  return out;
}

function compareRuleSets(a: Map<string, SimpleRule>, b: Map<string, SimpleRule>): string[] {
  const problems: string[] = [];
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y) {
      problems.push(`only in ours: ${k.replace("\u0000", " -> ")}`);
      continue;
    }
    if (x.count !== y.count)
      problems.push(`count differs for ${k.replace("\u0000", " -> ")}: ${x.count} vs ${y.count}`);
    if (Math.abs(x.support - y.support) > 1e-6) problems.push(`support differs for ${k}`);
    if (Math.abs(x.confidence - y.confidence) > 1e-6) problems.push(`confidence differs for ${k}`);
    if (Math.abs(x.lift - y.lift) > 1e-6 * Math.max(1, Math.abs(y.lift))) problems.push(`lift differs for ${k}`);
  }
  for (const k of b.keys()) if (!a.has(k)) problems.push(`only in duckdb: ${k.replace("\u0000", " -> ")}`);
  return problems;
}

function plantedPairs(planted: Planted): [string, string][] {
  const pairs: [string, string][] = [...planted.pairs];
  for (const [x, y, z] of planted.triples) pairs.push([x, y], [x, z], [y, z]);
  return pairs;
}

export async function main(args: string[]): Promise<number> {
  const get = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- recs [--orders 1000000] [--products 5000] [--seed 42] [--min-support 0.001] [--min-confidence 0.05] [--runs 1] [--no-duckdb] [--no-evaluate]\n",
    );
    return 0;
  }
  const orders = Number(get("orders", "1000000"));
  const products = Number(get("products", "5000"));
  const seed = Number(get("seed", "42"));
  const minSupport = get("min-support", "0.001");
  const minConfidence = get("min-confidence", "0.05");
  const runs = Math.max(1, Number(get("runs", "1")));
  const withDuck = !args.includes("--no-duckdb");

  mkdirSync(outDir, { recursive: true });
  const csv = join(outDir, `baskets-${orders}x${products}-s${seed}.csv`);
  const plantedPath = `${csv}.planted.json`;
  if (!existsSync(csv) || !existsSync(plantedPath)) {
    process.stderr.write(`generating ${csv} …\n`);
    const t = performance.now();
    const g = await generateBaskets({ orders, products, seed, out: csv });
    process.stderr.write(
      `generated ${g.rows.toLocaleString("en-US")} rows in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
    );
  }
  const planted = JSON.parse(await readFile(plantedPath, "utf8")) as Planted;

  const oursOut = join(outDir, "rules-ours.csv");
  const duckOut = join(outDir, "rules-duckdb.csv");
  const best = async (args: string[]): Promise<RunResult> => {
    let b: RunResult | undefined;
    for (let i = 0; i < runs; i++) {
      const r = await runChild(args);
      if (!b || r.seconds < b.seconds) b = r;
    }
    return b!;
  };

  process.stderr.write(`recs mine on ${csv} (S=${minSupport}, C=${minConfidence}, K=2) …\n`);
  const ours = await best([
    "src/cli/main.ts",
    "recs",
    "mine",
    "--input",
    csv,
    "--output",
    oursOut,
    "--min-support",
    minSupport,
    "--min-confidence",
    minConfidence,
  ]);
  // The CLI's fixed start-up cost (loading every command's modules), for context.
  const startup = await best(["src/cli/main.ts", "--help"]);
  let duck: RunResult | undefined;
  if (withDuck) {
    process.stderr.write(`duckdb on the same file …\n`);
    duck = await best([
      "bench/recs/duckdb-rules.ts",
      "--input",
      csv,
      "--output",
      duckOut,
      "--min-support",
      minSupport,
      "--min-confidence",
      minConfidence,
    ]);
  }

  const ourRules = await readRules(oursOut);
  const duckRules = duck ? await readRules(duckOut) : undefined;
  const rows: [string, string, string, string, string][] = [
    ["engine", "seconds", "peak RSS MiB", "rules", "time vs DuckDB"],
  ];
  const ratio = (r: RunResult): string => (duck ? `${(r.seconds / duck.seconds).toFixed(2)}x` : "-");
  rows.push(["recs mine", ours.seconds.toFixed(2), ours.peakRssMiB.toFixed(0), String(ourRules.size), ratio(ours)]);
  if (duck && duckRules)
    rows.push(["duckdb", duck.seconds.toFixed(2), duck.peakRssMiB.toFixed(0), String(duckRules.size), "1.00x"]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
    .join("\n");

  let ok = true;
  const lines = [
    `${orders.toLocaleString("en-US")} orders x ${products.toLocaleString("en-US")} products, S=${minSupport}, C=${minConfidence}, K=2${runs > 1 ? `, best of ${runs}` : ""}`,
    table,
  ];
  lines.push(
    `(of which CLI start-up, \`node src/cli/main.ts --help\`: ${startup.seconds.toFixed(2)} s, ${startup.peakRssMiB.toFixed(0)} MiB)`,
  );
  if (duckRules) {
    const problems = compareRuleSets(ourRules, duckRules);
    if (problems.length === 0)
      lines.push(`rule sets identical: ${ourRules.size} rules, counts exact, ratios within 1e-6`);
    else {
      ok = false;
      lines.push(`rule sets DIFFER (${problems.length} problems):`, ...problems.slice(0, 10).map((p) => `  ${p}`));
    }
  }
  const pairs = plantedPairs(planted);
  const missing = pairs.filter(([a, b]) => !ourRules.has(`${a}\u0000${b}`) || !ourRules.has(`${b}\u0000${a}`));
  lines.push(`planted pairs recovered (both directions): ${pairs.length - missing.length}/${pairs.length}`);
  if (missing.length > 0) {
    ok = false;
    lines.push(`  missing: ${missing.map((p) => p.join("+")).join(" ")}`);
  }
  if (duck && ours.seconds > duck.seconds) lines.push("NOTE: recs mine was slower than DuckDB on this run");
  if (!args.includes("--no-evaluate")) {
    // Hit rates next to time and memory: `recs evaluate` (20 % held out, seed 42) on the same file.
    process.stderr.write(`recs evaluate on the same file …\n`);
    const thresholds = ["--min-support", minSupport, "--min-confidence", minConfidence];
    const ev = await runChild(["src/cli/main.ts", "recs", "evaluate", "--input", csv, ...thresholds, "--json"]);
    type Hits = { hitAt1: number; hitAt3: number; hitAt5: number };
    const r = JSON.parse(ev.stdout) as { chosen: string; methods: Record<string, Hits> };
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    const cost = `${ev.seconds.toFixed(2)} s, ${ev.peakRssMiB.toFixed(0)} MiB`;
    lines.push(`recs evaluate: ${cost}; hit@1/3/5 (random split), chosen ${r.chosen}:`);
    for (const [name, m] of Object.entries(r.methods)) {
      lines.push(`  ${name.padEnd(20)} ${pct(m.hitAt1)} / ${pct(m.hitAt3)} / ${pct(m.hitAt5)}`);
    }
  }
  process.stdout.write(lines.join("\n") + "\n");
  return ok ? 0 : 1;
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
