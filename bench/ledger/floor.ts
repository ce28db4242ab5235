/**
 * The server's floor: CPU per request of a Node server that does nothing but answer the same order bodies over one
 * Postgres round trip (floor-server.ts), driven like the order server (same client, same client count). Next to
 * the order server's CPU per order it says how much of that is the app's own work (auth, validation, hashing, the
 * earn plan, logs, metrics) and how much any Node server on this machine would spend.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/helpers/node-server.ts";
import { RawHttpClient } from "../lib/raw-http.ts";
import { cpuSeconds } from "../lib/stats.ts";

const SERVER = fileURLToPath(new URL("./floor-server.ts", import.meta.url));

async function drive(target: URL, bodies: string[], clients: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new RawHttpClient(target);
      for (;;) {
        const i = next++;
        if (i >= bodies.length) return client.close();
        const status = await client.post("/v1/orders", {}, bodies[i]!);
        if (status !== 201) throw new Error(`floor server answered ${status}`);
      }
    }),
  );
  return bodies.length / ((performance.now() - started) / 1000);
}

/** Requests/s and server CPU ms per request of the floor server (`node` or `hono`) over `bodies`. */
export async function serverFloor(
  framework: "node" | "hono",
  databaseUrl: string,
  bodies: string[],
  clients: number,
): Promise<{ rate: number; cpuMs: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", SERVER], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      FLOOR: framework,
      DB_POOL_MAX: String(clients),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`floor server exited (${code})`)));
    });
    const target = new URL(`http://127.0.0.1:${port}`);
    await drive(target, bodies.slice(0, 500), clients); // warm-up: JIT, connections
    const before = cpuSeconds(child.pid!);
    const rate = await drive(target, bodies, clients);
    return { rate, cpuMs: ((cpuSeconds(child.pid!) - before) * 1000) / bodies.length };
  } finally {
    child.kill();
  }
}
