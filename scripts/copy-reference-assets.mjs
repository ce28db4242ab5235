// Build step for Workers: copies the API reference's assets (swagger-ui-dist, from npm) into public/docs/assets/,
// which Workers Static Assets serve (wrangler.toml [assets]). Node serves the same files from node_modules.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const to = join(root, "public", "docs", "assets");
mkdirSync(to, { recursive: true });
for (const f of ["swagger-ui-bundle.js", "swagger-ui.css"]) copyFileSync(join(from, f), join(to, f));
