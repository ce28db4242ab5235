/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints its table. Benchmarks never write into the
 * repository (scratch files go to bench/out/, git-ignored); docs/benchmarks.md records figures by hand.
 */
const benches: Record<string, string> = {
  ledger: "./ledger/ledger.bench.ts",
  webhook: "./webhook/webhook.bench.ts",
  recs: "./recs/recs.bench.ts",
  broadcast: "./broadcast/broadcast.bench.ts",
  "zalo-oa": "./broadcast/zalo-oa.bench.ts",
  segments: "./segments/segments.bench.ts",
  "segment-export": "./segment-export/segment-export.bench.ts",
  "worker-bundle": "./worker-bundle/worker-bundle.bench.ts",
  analytics: "./analytics/analytics.bench.ts",
  capacity: "./capacity/capacity.bench.ts",
  outbox: "./outbox/outbox.bench.ts",
  integrations: "./integrations/integrations.bench.ts",
  soak: "./soak/soak.bench.ts",
};

const [name, ...args] = process.argv.slice(2);
if (!name || name === "--help" || !(name in benches)) {
  process.stdout.write(`Usage: npm run bench -- <${Object.keys(benches).join("|")}> [options]\n`);
  process.exit(name && name !== "--help" ? 2 : 0);
}
const mod = (await import(new URL(benches[name]!, import.meta.url).href)) as {
  main(args: string[]): Promise<number | void>;
};
const code = await mod.main(args);
process.exitCode = typeof code === "number" ? code : 0;
