/** `products import`: the catalog CSV through the CLI sets list prices, all rows or none (issue 13). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../helpers/cli.ts";
import { openDatabase } from "../../src/db/open.ts";
import { getProduct } from "../../src/catalog/service.ts";

let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-products-"));
  env = { DATA_DIR: path.join(dir, "data"), DATABASE_URL: "" };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("products import", () => {
  // Six CLI runs: slow on a loaded machine.
  it("sets list prices; a bad row rejects the file with line numbers and writes nothing", {
    timeout: 180_000,
  }, async () => {
    const help = await runCli(["products", "import", "--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run cli -- products import/);
    const created = JSON.parse((await runCli(["merchant", "create", "--name", "Catalog shop", "--json"], env)).stdout);
    const good = path.join(dir, "catalog.csv");
    writeFileSync(
      good,
      "sku,name,category,list_price,margin,active\nCAKE-1,Bánh bông lan,bakery,25000,36,true\nCF-01,Cà phê,,35000,,\n",
    );
    const ok = await runCli(["products", "import", good, "--merchant", created.merchantId, "--json"], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ imported: 2 });

    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, "sku,name,list_price\nCAKE-1,Bánh bông lan,1\nCF-02,Trà,12.5\nCF-03,,abc\n");
    const rejected = await runCli(["products", "import", bad, "--merchant", created.merchantId], env);
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/nothing was imported/);
    expect(rejected.stdout).toContain("lines.3.list_price");
    expect(rejected.stdout).toContain("lines.4.list_price");

    const missing = await runCli(
      ["products", "import", path.join(dir, "nope.csv"), "--merchant", created.merchantId],
      env,
    );
    expect(missing.code).toBe(2);
    const noMerchant = await runCli(["products", "import", good, "--merchant", "mer_nope"], env);
    expect(noMerchant.code).toBe(2);

    // The first file's prices stand; the rejected file changed nothing (CAKE-1 is still 25000, not 1).
    const database = await openDatabase({ dataDir: env.DATA_DIR! });
    try {
      expect(await getProduct(database.db, created.merchantId, "CAKE-1")).toMatchObject({
        name: "Bánh bông lan",
        category: "bakery",
        listPrice: 25000,
        margin: 36,
        active: true,
      });
      expect(await getProduct(database.db, created.merchantId, "CF-01")).toMatchObject({ listPrice: 35000 });
    } finally {
      await database.close();
    }
  });
});
