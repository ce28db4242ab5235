/**
 * PGlite is one process's database: two processes opening the same DATA_DIR corrupt it. A lock file in DATA_DIR
 * names the process that has it open; a long-running holder (the server) also names a loopback port where another
 * process (the CLI) can borrow the directory — see pglite-handover.ts.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DataDirLock {
  pid: number;
  /** Present when the holder lends the directory out: `POST http://127.0.0.1:<port>/borrow` with the token. */
  port?: number;
  token?: string;
}

export class DataDirBusyError extends Error {}

const FILE = "chatloyalty.lock";
export const lockFile = (dataDir: string) => join(dataDir, FILE);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock of a live process other than this one, if any (a dead holder's lock is stale and ignored). */
export function liveLock(dataDir: string): DataDirLock | undefined {
  let lock: DataDirLock;
  try {
    lock = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as DataDirLock;
  } catch {
    return undefined;
  }
  return typeof lock.pid === "number" && lock.pid !== process.pid && alive(lock.pid) ? lock : undefined;
}

/** Takes the directory or throws DataDirBusyError naming the live holder. Returns the release function. */
export function acquireLock(dataDir: string): { update(lock: Omit<DataDirLock, "pid">): void; release(): void } {
  const path = lockFile(dataDir);
  const write = (flag: "wx" | "w", extra: Omit<DataDirLock, "pid"> = {}) =>
    writeFileSync(path, JSON.stringify({ pid: process.pid, ...extra }), { flag, mode: 0o600 });
  for (let attempt = 0; ; attempt++) {
    try {
      write("wx");
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 2) throw err;
      const holder = liveLock(dataDir);
      if (holder)
        throw new DataDirBusyError(
          `DATA_DIR ${dataDir} is in use by another chatloyalty process (pid ${holder.pid}); stop it, or set DATABASE_URL`,
        );
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        /* someone else removed it first */
      }
    }
  }
  return {
    update: (extra) => write("w", extra),
    release() {
      try {
        if ((JSON.parse(readFileSync(path, "utf8")) as DataDirLock).pid === process.pid) unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}
