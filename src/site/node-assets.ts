/** Node: the reference assets straight from node_modules/swagger-ui-dist (read once, kept in memory). */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type AssetReader, REFERENCE_ASSETS } from "./assets.ts";

export function nodeAssetReader(): AssetReader {
  const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const cache = new Map<string, Promise<Buffer>>();
  return async (name) => {
    const asset = Object.hasOwn(REFERENCE_ASSETS, name) ? REFERENCE_ASSETS[name] : undefined;
    if (!asset) return undefined;
    let body = cache.get(name);
    if (!body) {
      body = readFile(join(dir, asset.file));
      cache.set(name, body);
    }
    const buf = await body;
    return new Response(new Uint8Array(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength), {
      headers: { "content-type": asset.type, "cache-control": "public, max-age=86400" },
    });
  };
}
