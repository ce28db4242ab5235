/** The CLI end to end on the embedded database (a temp DATA_DIR), as a user runs it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { ROOT, runCli } from "../helpers/cli.ts";

let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-cli-"));
  env = { DATA_DIR: path.join(dir, "data"), DATABASE_URL: "" };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("CLI", () => {
  it("--help at every level", async () => {
    const top = await runCli(["--help"], env);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("merchant create");
    expect(top.stdout).toContain("orders import");
    for (const cmd of [
      ["merchant", "create"],
      ["orders", "import"],
      ["recs", "mine"],
    ]) {
      const r = await runCli([...cmd, "--help"], env);
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage:/);
    }
  });

  it("`npm run cli -- merchant create --json` prints exactly one JSON line on stdout (no npm banner)", async () => {
    const child = spawn("npm", ["run", "cli", "--", "merchant", "create", "--name", "Cà Phê Test", "--json"], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "error", ...env },
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[^\n]+\n$/);
    const out = JSON.parse(stdout);
    expect(Object.keys(out).sort()).toEqual(["apiKey", "merchantId"]);
    expect(out.apiKey).toMatch(/^ck_live_/);
  });

  it("keeps compiled modules in Node's on-disk cache (the OS temp folder by default) and starts from it next time", async () => {
    // No NODE_COMPILE_CACHE (with it, Node would cache on its own): the entry switches the cache on itself.
    const tmp = path.join(dir, "tmp");
    mkdirSync(tmp);
    const run = (args: string[]) => runCli(args, { ...env, TMPDIR: tmp, NODE_COMPILE_CACHE: undefined });
    const cached = () =>
      readdirSync(path.join(tmp, "node-compile-cache"), { recursive: true, withFileTypes: true }).filter((e) =>
        e.isFile(),
      ).length;
    const first = await run(["merchant", "create", "--name", "Cache", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    // The runtime the command loaded, not just the entry: hundreds of modules.
    expect(cached()).toBeGreaterThan(100);
    const second = await run(["merchants", "list", "--json"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("Cache");
  });

  it("through `npm run cli`, a failing command prints only its one-line reason (npm adds nothing, stdout stays empty)", async () => {
    const child = spawn(
      "npm",
      ["run", "cli", "--", "recs", "mine", "--input", "/nonexistent.csv", "--output", "x.csv"],
      {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: "error", ...env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: [^\n]+\n$/);
  });

  it("bad usage exits non-zero with a one-line reason", async () => {
    for (const args of [
      ["merchant", "create"],
      ["merchant", "create", "--name"],
      ["merchant", "create", "--nme", "x"],
      ["orders", "import", "--merchant", "m"],
      ["nope"],
    ]) {
      const r = await runCli(args, env);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: /);
    }
  });

  it("orders import: earns like the API, idempotent on re-import, reports rejected rows with line numbers", async () => {
    const created = JSON.parse((await runCli(["merchant", "create", "--name", "Import shop", "--json"], env)).stdout);
    const csv = path.join(dir, "orders.csv");
    writeFileSync(
      csv,
      [
        "order_id,item,member,placed_at,category,quantity,unit_price",
        "A1,CF-01,,2026-11-01T10:00:00Z,coffee,2,35000",
        'A2,"BB-01",,2026-11-02T10:00:00Z,food,1,18000',
        "A1,BM-01,,2026-11-01T10:00:00Z,food,1,25000",
        "A1,BAD-01,,2026-11-01T10:00:00Z,food,-1,25000",
        "A3,X,,not-a-date,food,1,1000",
        "A4,Y,,,food,zero,1000",
        "",
        "A5,Z,,,food,1,5000",
      ].join("\r\n") + "\r\n",
    );
    const r1 = await runCli(["orders", "import", csv, "--merchant", created.merchantId, "--json"], env);
    expect(r1.code).toBe(1);
    const rep1 = JSON.parse(r1.stdout);
    expect(rep1).toMatchObject({ rows: 7, imported: 3, unchanged: 0 });
    // Only the malformed rows are skipped: A1 imports from its two good rows.
    expect(rep1.rejected.map((x: { lines: number[] }) => x.lines)).toEqual([[5], [6], [7]]);
    const r2 = await runCli(["orders", "import", csv, "--merchant", created.merchantId, "--json"], env);
    const rep2 = JSON.parse(r2.stdout);
    expect(rep2).toMatchObject({ imported: 0, unchanged: 3 });
    // Changed content under an existing order_id is skipped and reported; the file's good rows import.
    const csv2 = path.join(dir, "orders2.csv");
    writeFileSync(csv2, "order_id,item,quantity,unit_price\nA5,Z,2,5000\nB1,Q,1,1000\n");
    const r3 = await runCli(["orders", "import", csv2, "--merchant", created.merchantId], env);
    expect(r3.code).toBe(1);
    expect(r3.stdout).toContain("line 2: order A5: order_id already present with different content");
    expect(r3.stdout).toMatch(/1 imported/);
    const clean = await runCli(["orders", "import", path.join(dir, "nope.csv"), "--merchant", created.merchantId], env);
    expect(clean.code).toBe(2);
    expect(clean.stderr).toMatch(/file not found/);
    const badHeader = path.join(dir, "bad.csv");
    writeFileSync(badHeader, "id,sku\n1,2\n");
    const bh = await runCli(["orders", "import", badHeader, "--merchant", created.merchantId], env);
    expect(bh.code).toBe(2);
    expect(bh.stderr).toMatch(/order_id/);
    const unknownMerchant = await runCli(["orders", "import", csv2, "--merchant", "mer_nope"], env);
    expect(unknownMerchant.code).toBe(2);
  }, 180_000); // eight CLI processes (~4 s each on an idle machine, several times that under CI load)
});
