/** Runs the Worker in local workerd (`wrangler dev`, the npm-shipped workerd) and drives it over loopback. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "./cli.ts";
import { waitFor } from "./wait.ts";
import { freePort } from "./node-server.ts";

export interface RunningWorker {
  url: string;
  output: () => string;
  /** Fires the Worker's `scheduled` handler (wrangler's --test-scheduled endpoint). */
  scheduled(cron: string): Promise<Response>;
  /**
   * GET and read the whole body, retried on a network error only (never on an HTTP status): under a loaded CI
   * machine wrangler dev's proxy sometimes drops a keep-alive connection mid-body ("other side closed"), which
   * says nothing about the Worker.
   */
  getText(path: string): Promise<{ status: number; headers: Headers; text: string }>;
  stop(): Promise<void>;
}

export async function startWorker(opts: {
  databaseUrl: string;
  vars?: Record<string, string>;
}): Promise<RunningWorker> {
  const port = await freePort();
  const inspector = await freePort();
  // Hyperdrive's local mode wants a password in the URL; the local server trusts loopback, so any will do.
  const u = new URL(opts.databaseUrl);
  if (!u.password) u.password = "local";
  const args = [
    path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--ip",
    "127.0.0.1",
    "--test-scheduled",
    "--show-interactive-dev-session=false",
    "--log-level",
    "info",
  ];
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: u.toString(),
      WRANGLER_SEND_METRICS: "false",
      CI: "true",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      "wrangler dev to answer /healthz",
      async () => {
        if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${out}`);
        return fetch(`${url}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        ); // refused: starting
      },
      { timeoutMs: 90_000, intervalMs: 300, detail: () => out },
    );
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  return {
    url,
    output: () => out,
    scheduled: (cron) => fetch(`${url}/__scheduled?cron=${encodeURIComponent(cron)}`),
    getText: async (p) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await fetch(`${url}${p}`, { headers: { connection: "close" } });
          return { status: r.status, headers: r.headers, text: await r.text() };
        } catch (e) {
          if (!(e instanceof TypeError) || attempt === 3) throw e;
        }
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
