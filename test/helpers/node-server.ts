/** Starts the real Node entry (`src/node.ts`, what `npm start` runs) as a child process. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { ROOT } from "./cli.ts";
import { waitFor } from "./wait.ts";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startNodeServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "src/node.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.on("data", (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    "the server to answer /healthz",
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited early: ${err}`);
      return fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ); // refused: not up yet
    },
    { timeoutMs: 120_000, intervalMs: 200, detail: () => err }, // the demo seed is slow on a loaded machine
  );
  return {
    url,
    child,
    stderr: () => err,
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
