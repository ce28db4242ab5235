/**
 * The API reference's browser assets (Swagger UI, from the `swagger-ui-dist` npm package — never a CDN). Too big to
 * bundle into the Worker (≈ 460 KiB gzip on top of the app), so:
 *  - Workers: `scripts/copy-reference-assets.mjs` copies them into `public/docs/assets/` at build time and Workers
 *    Static Assets (`[assets]` in wrangler.toml) serve them before the Worker runs;
 *  - Node: the entry injects a reader over node_modules (src/site/node-assets.ts).
 */
export const REFERENCE_ASSETS: Record<string, { file: string; type: string }> = {
  "swagger-ui-bundle.js": { file: "swagger-ui-bundle.js", type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { file: "swagger-ui.css", type: "text/css; charset=utf-8" },
};

/** Reads one of REFERENCE_ASSETS by name (Node: from node_modules); undefined = not available here. */
export type AssetReader = (name: string) => Promise<Response | undefined>;
