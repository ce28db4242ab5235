/**
 * A private Postgres server for tests that stop and start it (outages): initdb in a temp dir with the Debian
 * binaries, its own free port, run as the `postgres` OS user when we are root (initdb refuses root).
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./node-server.ts";

const run = promisify(execFile);

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error("no Postgres binaries under /usr/lib/postgresql/*/bin");
  return path.join(root, newest, "bin");
}

export interface OwnPostgres {
  url: string;
  port: number;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: the server vanishes as in a crash. */
  stopImmediate(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(tmpdir(), "cl-own-pg-"));
  const asRoot = process.getuid?.() === 0;
  const pgUser = async (cmd: string, args: string[]) => {
    const exe = path.join(bin, cmd);
    return asRoot ? run("runuser", ["-u", "postgres", "--", exe, ...args]) : run(exe, args);
  };
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, "data");
  await pgUser("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = async () => {
    await pgUser("pg_ctl", ["-D", data, "-o", opts, "-l", path.join(dir, "log"), "-w", "-t", "30", "start"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stopImmediate: async () => {
      await pgUser("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    destroy: async () => {
      await pgUser("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true (no fixed sleeps in tests: a short poll interval with a deadline). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
