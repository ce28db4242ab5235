/** `recs build` end to end on the embedded database (a temp DATA_DIR), as a user runs it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../helpers/cli.ts";

let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-recs-build-"));
  env = { DATA_DIR: path.join(dir, "data"), DATABASE_URL: "" };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("recs build", () => {
  it("--help; bad usage exits 2 with a one-line reason", async () => {
    const h = await runCli(["recs", "build", "--help"], env);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: npm run cli -- recs build --merchant/);
    const top = await runCli(["--help"], env);
    expect(top.stdout).toContain("recs build");
    for (const args of [
      ["recs", "build"],
      ["recs", "build", "--merchant", "m", "--min-support", "0"],
      ["recs", "build", "--merchant", "m", "--max-len", "1"],
      ["recs", "build", "--merchant", "m", "--bogus"],
    ]) {
      const r = await runCli(args, env);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: /);
    }
  }, 60_000);

  it("builds from imported orders, then unchanged, then a new version after more orders", async () => {
    const created = await runCli(["merchant", "create", "--name", "Build shop", "--json"], env);
    const { merchantId } = JSON.parse(created.stdout) as { merchantId: string };
    const unknown = await runCli(["recs", "build", "--merchant", "mer_nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no merchant mer_nope");

    const csv = path.join(dir, "orders.csv");
    writeFileSync(csv, "order_id,item\n1,CF\n1,BM\n2,CF\n2,BM\n3,CF\n4,TEA\n4,CAKE\n5,TEA\n5,CAKE\n");
    expect((await runCli(["orders", "import", csv, "--merchant", merchantId], env)).code).toBe(0);

    const a = await runCli(["recs", "build", "--merchant", merchantId, "--json"], env);
    expect(a.code).toBe(0);
    const ja = JSON.parse(a.stdout);
    expect(ja).toMatchObject({
      merchantId,
      status: "built",
      version: 1,
      transactions: 5,
      rules: 4,
      params: { minSupport: 0.001, minConfidence: 0.05, maxLen: 3 },
    });

    const b = await runCli(["recs", "build", "--merchant", merchantId], env);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^model v1 unchanged/);

    writeFileSync(csv, "order_id,item\n6,CF\n6,TEA\n7,CF\n7,TEA\n");
    await runCli(["orders", "import", csv, "--merchant", merchantId], env);
    const c = await runCli(["recs", "build", "--merchant", merchantId], env);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^built model v2: 7 orders, 4 products, \d+ rules/);
  }, 120_000);
});
