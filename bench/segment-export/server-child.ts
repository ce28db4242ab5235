/**
 * The server process of the segment-export benchmark (forked by segment-export.bench.ts): the real app (createApp)
 * over Postgres on 127.0.0.1:<random port>. It samples its own memory every 10 ms (RSS and V8 heap used) and answers
 * IPC messages: `reset` (peaks := now, after warm-up) and `mem` (the peaks since the reset, and the kernel's
 * lifetime peak RSS). With GC_EVERY_MS it also forces a full collection that often and records the live heap after it. The port is sent as the first message.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";

const database = openPostgres(process.env.BENCH_DB_URL!, { max: 4 });
const config = loadConfig({ LOG_LEVEL: "error" });
const app = createApp({ config, db: database.db, clock: systemClock, logger: silentLogger }, []);
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise<void>((r) => server.once("listening", () => r()));

let peakRss = 0;
let peakHeap = 0;
/** The heap still in use after a full collection, forced every GC_EVERY_MS (0: never): what the export keeps alive. */
let peakLive = 0;
const gcEvery = Number(process.env.GC_EVERY_MS ?? 0);
if (gcEvery > 0)
  setInterval(() => {
    global.gc?.();
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
  }, gcEvery).unref();
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};
setInterval(sample, 10).unref();

process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "reset") {
    global.gc?.();
    const now = process.memoryUsage();
    peakRss = now.rss;
    peakHeap = now.heapUsed;
    peakLive = now.heapUsed;
    process.send!({ rss: now.rss, heap: now.heapUsed });
  } else if (m.cmd === "mem") {
    sample();
    global.gc?.();
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
    process.send!({ peakRss, peakHeap, peakLive, maxRss: process.resourceUsage().maxRSS * 1024 });
  } else if (m.cmd === "close") {
    server.close();
    void database.close().finally(() => process.exit(0));
  }
});
process.send!({ port: (server.address() as AddressInfo).port });
