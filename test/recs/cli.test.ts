import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseRulesCsv } from "../../src/recs/rules-csv.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "recs-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "src/cli/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Async variant, to run independent invocations concurrently. */
function cliAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "src/cli/main.ts", ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** The 5-basket shop example as long-format rows, with orders interleaved. */
const SHOP_CSV = [
  "order_id,item,quantity,unit_price",
  "T1,bread,1,10000",
  "T2,bread,1,10000",
  "T1,milk,2,8000",
  "T2,diapers,1,50000",
  "T2,beer,6,12000",
  "T2,eggs,10,3000",
  "T3,milk,1,8000",
  "T3,diapers,1,50000",
  "T3,beer,1,12000",
  "T3,cola,1,9000",
  "T4,bread,1,10000",
  "T4,milk,1,8000",
  "T4,diapers,1,50000",
  "T4,beer,1,12000",
  "T4,beer,1,12000",
  "T5,bread,1,10000",
  "T5,milk,1,8000",
  "T5,diapers,1,50000",
  "T5,cola,1,9000",
  "",
].join("\n");

describe("recs mine (CLI)", () => {
  it("writes the exact rules file for a hand-computed example", () => {
    const input = file("shop.csv", SHOP_CSV);
    const output = join(dir, "shop-rules.csv");
    const r = cli(
      "recs",
      "mine",
      "--input",
      input,
      "--output",
      output,
      "--min-support",
      "0.4",
      "--min-confidence",
      "0.6",
    );
    expect(r.stderr).toMatch(/recs mine: 5 transactions, 6 items, 12 rules/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(output, "utf8")).toBe(
      [
        "lhs,rhs,support,confidence,lift,count",
        "beer,diapers,0.6,1,1.25,3",
        "cola,diapers,0.4,1,1.25,2",
        "cola,milk,0.4,1,1.25,2",
        "diapers,beer,0.6,0.75,1.25,3",
        "bread,diapers,0.6,0.75,0.9375,3",
        "bread,milk,0.6,0.75,0.9375,3",
        "diapers,bread,0.6,0.75,0.9375,3",
        "diapers,milk,0.6,0.75,0.9375,3",
        "milk,bread,0.6,0.75,0.9375,3",
        "milk,diapers,0.6,0.75,0.9375,3",
        "beer,bread,0.4,0.6666666667,0.8333333333,2",
        "beer,milk,0.4,0.6666666667,0.8333333333,2",
        "",
      ].join("\n"),
    );
    expect(existsSync(`${output}.tmp-${process.pid}`)).toBe(false);
  });

  it("supports --max-len 3 (2-item lhs joined by |)", () => {
    const input = file("shop3.csv", SHOP_CSV);
    const output = join(dir, "shop3-rules.csv");
    const r = cli(
      "recs",
      "mine",
      "--input",
      input,
      "--output",
      output,
      "--min-support=0.4",
      "--min-confidence=0.6",
      "--max-len=3",
    );
    expect(r.code).toBe(0);
    const lines = readFileSync(output, "utf8").split("\n");
    expect(lines[1]).toBe("diapers|milk,cola,0.4,0.6666666667,1.666666667,2");
    expect(lines.length - 2).toBe(24);
  });

  it("reads BOM + CRLF + quoted Vietnamese names and quotes them in the output", () => {
    const rows = [
      "order_id,item",
      'HD1,"Bánh bao, nhân thịt"',
      "HD1,Cà phê sữa đá",
      'HD2,"Bánh bao, nhân thịt"',
      'HD2,"Cà phê ""muối"""',
      "HD3,Cà phê sữa đá",
      'HD3,"Bánh bao, nhân thịt"',
    ];
    const input = file("vn.csv", "\uFEFF" + rows.join("\r\n") + "\r\n");
    const output = join(dir, "vn-rules.csv");
    const r = cli(
      "recs",
      "mine",
      "--input",
      input,
      "--output",
      output,
      "--min-support",
      "0.3",
      "--min-confidence",
      "0",
    );
    expect(r.code).toBe(0);
    const text = readFileSync(output, "utf8");
    expect(text).toContain('"Bánh bao, nhân thịt",Cà phê sữa đá,0.6666666667,0.6666666667,1,2\n');
    const rules = parseRulesCsv(text);
    expect(rules.map((x) => `${x.lhs.join("|")} -> ${x.rhs}`).sort()).toEqual([
      'Bánh bao, nhân thịt -> Cà phê "muối"',
      "Bánh bao, nhân thịt -> Cà phê sữa đá",
      'Cà phê "muối" -> Bánh bao, nhân thịt',
      "Cà phê sữa đá -> Bánh bao, nhân thịt",
    ]);
  });

  it("--help exits 0 with usage and examples", () => {
    const r = cli("recs", "mine", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run cli -- recs mine --input/);
    expect(r.stdout).toContain("--min-support");
    expect(r.stdout).toContain("Examples:");
  });

  const oneLineError = (r: { code: number | null; stderr: string }, pattern: RegExp): void => {
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(pattern);
  };

  it("rejects bad options with a one-line reason and exit 2", async () => {
    const input = file("ok.csv", SHOP_CSV);
    const out = join(dir, "x.csv");
    const cases: [string[], RegExp][] = [
      [["--input", input, "--output", out, "--bogus"], /unknown option --bogus/],
      [["--output", out], /--input is required/],
      [["--input", input], /--output is required/],
      [["--input", input, "--output", out, "--min-support", "0"], /--min-support/],
      [["--input", input, "--output", out, "--min-support", "1.5"], /--min-support/],
      [["--input", input, "--output", out, "--min-support", "abc"], /--min-support/],
      [["--input", input, "--output", out, "--min-confidence", "-0.1"], /--min-confidence/],
      [["--input", input, "--output", out, "--max-len", "1"], /--max-len/],
      [["--input", input, "--output", out, "--max-len", "2.5"], /--max-len/],
      [["--input", input, "--output", out, "extra"], /unexpected argument/],
      [["--input", input, "--output", join(dir, "no-such-dir", "r.csv")], /output directory does not exist/],
    ];
    const results = await Promise.all(cases.map(([args]) => cliAsync("recs", "mine", ...args)));
    results.forEach((r, i) => oneLineError(r, cases[i]![1]));
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it("rejects bad input files with a one-line reason and exit 2", async () => {
    const out = join(dir, "y.csv");
    const cases: [string, RegExp][] = [
      [join(dir, "missing.csv"), /file not found/],
      [file("nohdr.csv", "order,sku\n1,a\n"), /missing required column.*order_id/],
      [file("empty.csv", ""), /header row/],
      [file("short.csv", "order_id,item\n1,a\n2\n"), /line 3/],
      [file("quote.csv", 'order_id,item\n1,"a\n2,b\n'), /unterminated/],
      [file("emptyitem.csv", "order_id,item\n1,a\n2,\n"), /line 3: empty item/],
    ];
    const results = await Promise.all(
      cases.map(([input]) => cliAsync("recs", "mine", "--input", input, "--output", out)),
    );
    results.forEach((r, i) => oneLineError(r, cases[i]![1]));
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it("uses the defaults S=0.001, C=0.05, K=2", () => {
    const input = file("defaults.csv", SHOP_CSV);
    const output = join(dir, "defaults-rules.csv");
    const r = cli("recs", "mine", "--input", input, "--output", output);
    expect(r.code).toBe(0);
    // minCount = 1: every co-occurring pair, both directions, all with confidence ≥ 1/4 ≥ 0.05.
    const rules = parseRulesCsv(readFileSync(output, "utf8"));
    expect(rules.every((x) => x.lhs.length === 1)).toBe(true);
    expect(rules).toHaveLength(2 * 13);
  });
});

describe("recs evaluate (CLI)", () => {
  it("prints a table, or JSON with --json", () => {
    const rows = ["order_id,item"];
    for (let i = 0; i < 60; i++) rows.push(`A${i},x`, `A${i},y`);
    for (let i = 0; i < 100; i++) rows.push(`B${i},w`, `B${i},v`);
    const input = file("eval.csv", rows.join("\n") + "\n");
    const table = cli("recs", "evaluate", "--input", input, "--min-support", "0.05", "--min-confidence", "0.1");
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^method\s+hit@1\s+hit@3\s+hit@5\s+coverage$/);
    expect(table.stdout).toMatch(/^rules\s+100\.0%/m);
    const json = cli(
      "recs",
      "evaluate",
      "--input",
      input,
      "--min-support",
      "0.05",
      "--json",
      "--seed",
      "7",
      "--holdout",
      "0.25",
    );
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      testBaskets: number;
      eligible: number;
      methods: { rules: { hitAt1: number } };
    };
    expect(parsed.eligible).toBe(160);
    expect(parsed.testBaskets).toBe(40);
    expect(parsed.methods.rules.hitAt1).toBe(1);
    const more = JSON.parse(json.stdout) as {
      hide: string;
      chosen: string;
      timeSplit: { by: string };
      methods: Record<string, { mrr: number }>;
    };
    expect(more).toMatchObject({ hide: "last", chosen: "rulesWithPopularity", timeSplit: { by: "file order" } });
    expect(Object.keys(more.methods)).toEqual(["rules", "popularity", "rulesWithPopularity"]);
    expect(more.methods.rulesWithPopularity!.mrr).toBe(1);
    // The extra metrics come in a second table; the time split follows.
    expect(table.stdout).toMatch(/^method\s+mrr\s+catalog\s+top10$/m);
    expect(table.stdout).toMatch(/^time split by file order/m);
    expect(table.stdout).toMatch(/^chosen: rulesWithPopularity$/m);
    const random = cli("recs", "evaluate", "--input", input, "--min-support", "0.05", "--hide", "random", "--json");
    expect(random.code).toBe(0);
    expect(JSON.parse(random.stdout)).toMatchObject({ hide: "random" });
    oneLine(cli("recs", "evaluate", "--input", input, "--hide", "first"));
    const help = cli("recs", "evaluate", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--holdout");
    oneLine(cli("recs", "evaluate", "--input", input, "--holdout", "1"));
  }, 60_000);
});

function oneLine(r: { code: number | null; stderr: string }): void {
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
}
