/** The console's assets are embedded from node_modules and src/console/static (Workers have no file system). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assetFiles, GENERATED_PATH, generatedSource } from "../../src/console/sync-assets.ts";
import { ASSETS } from "../../src/console/assets.generated.ts";

describe("console assets", () => {
  it("the embedded copy equals its sources (run `npm run console:assets` after changing one)", () => {
    const files = assetFiles();
    expect(Object.keys(ASSETS).sort()).toEqual([
      "console.css",
      "console.js",
      "htmx.min.js",
      "uplot.min.css",
      "uplot.min.js",
    ]);
    expect(ASSETS).toEqual(files);
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(generatedSource(files));
  });
});
