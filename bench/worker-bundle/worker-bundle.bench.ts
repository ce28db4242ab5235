/**
 * Workers bundle: gzip size of `wrangler deploy --dry-run` output (target < 1 MiB) and cold start of the Worker
 * in local workerd (wrangler dev start → first /healthz answered; then the first request vs warm requests).
 * Baseline in the same run: a trivial Worker (Hono "hello") bundled and started the same way.
 * Usage: npm run bench -- worker-bundle
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { ROOT } from "../../test/helpers/cli.ts";
import { freePort } from "../../test/helpers/node-server.ts";
import { machine, table } from "../lib/stats.ts";

const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const OUT = path.join(ROOT, "bench/out/worker-bundle");

function bundle(configPath: string, outdir: string): { raw: number; gzip: number } {
  rmSync(outdir, { recursive: true, force: true });
  execFileSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "--config", configPath], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const code = readFileSync(
    path.join(outdir, "index.js").replace("index.js", configPath.includes("baseline") ? "baseline.js" : "worker.js"),
  );
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

async function coldStart(
  configPath: string,
  env: Record<string, string>,
): Promise<{ startMs: number; firstMs: number; warmMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--config",
      configPath,
      "--port",
      String(port),
      "--inspector-port",
      String(await freePort()),
      "--ip",
      "127.0.0.1",
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", ...env },
      stdio: "ignore",
    },
  );
  let firstMs = NaN;
  for (;;) {
    try {
      const t = performance.now();
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) {
        firstMs = performance.now() - t;
        break;
      }
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const startMs = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await (await fetch(`http://127.0.0.1:${port}/healthz`)).arrayBuffer();
    warm.push(performance.now() - t);
  }
  child.kill("SIGTERM");
  warm.sort((a, b) => a - b);
  return { startMs, firstMs, warmMs: warm[Math.floor(warm.length / 2)]! };
}

export async function main(args: string[] = []): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- worker-bundle [options]\n" +
        "  gzip size of the wrangler deploy --dry-run bundle and cold start in local workerd vs a Hono hello Worker; " +
        "target: gzip < 1 MiB\n" +
        "  no options\n",
    );
    return 0;
  }
  mkdirSync(OUT, { recursive: true });
  const baselineSrc = path.join(OUT, "baseline.ts");
  writeFileSync(
    baselineSrc,
    `import { Hono } from "hono";\nconst app = new Hono();\napp.get("/healthz", (c) => c.json({ status: "ok" }));\nexport default app;\n`,
  );
  const baselineToml = path.join(OUT, "baseline.toml");
  writeFileSync(
    baselineToml,
    `name = "baseline"\nmain = "baseline.ts"\ncompatibility_date = "2026-11-01"\ncompatibility_flags = ["nodejs_compat"]\n`,
  );
  const ours = bundle(path.join(ROOT, "wrangler.toml"), path.join(OUT, "ours"));
  const base = bundle(baselineToml, path.join(OUT, "baseline"));
  const db = process.env.BENCH_DATABASE_URL ?? "postgres://postgres:local@127.0.0.1:5432/postgres";
  const oursStart = await coldStart(path.join(ROOT, "wrangler.toml"), {
    CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: db,
  });
  const baseStart = await coldStart(baselineToml, {});
  const kib = (n: number) => (n / 1024).toFixed(1);
  process.stdout.write(
    `\nworker-bundle — ${machine()}\n` +
      table([
        {
          worker: "chatloyalty",
          "raw KiB": kib(ours.raw),
          "gzip KiB": kib(ours.gzip),
          "target gzip": "< 1024",
          "dev start ms": oursStart.startMs.toFixed(0),
          "first req ms": oursStart.firstMs.toFixed(1),
          "warm p50 ms": oursStart.warmMs.toFixed(2),
        },
        {
          worker: "baseline (Hono hello)",
          "raw KiB": kib(base.raw),
          "gzip KiB": kib(base.gzip),
          "target gzip": "",
          "dev start ms": baseStart.startMs.toFixed(0),
          "first req ms": baseStart.firstMs.toFixed(1),
          "warm p50 ms": baseStart.warmMs.toFixed(2),
        },
      ]) +
      `\nratio gzip ours/baseline: ${(ours.gzip / base.gzip).toFixed(1)}×, first request ours/baseline: ${(oursStart.firstMs / baseStart.firstMs).toFixed(1)}×\n`,
  );
  return ours.gzip < 1024 * 1024 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
