/** Node-side: open the configured database (postgres.js with DATABASE_URL, else PGlite in DATA_DIR) and migrate it. */
import { mkdirSync } from "node:fs";
import { drizzle } from "drizzle-orm/pglite";
import { openPostgres } from "./postgres.ts";
import { openPglite } from "./pglite.ts";
import { migrateDatabase } from "./migrate.ts";
import { acquireLock, liveLock } from "./data-dir-lock.ts";
import { borrow, callHolder, LendablePglite, type LocalControl, NOT_HANDLED, startLending } from "./pglite-lending.ts";
import * as schema from "./schema.ts";
import { asDb, type Database } from "./types.ts";

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  migrate?: boolean;
  poolMax?: number;
  /** Postgres only: connect and statement timeouts (see PostgresOptions). */
  timeouts?: { connectSeconds?: number; statementMs?: number };
  /**
   * Long-running processes (the server, the polling bot) lend their PGlite DATA_DIR to short ones (the CLI) instead
   * of locking them out; `onLendError` hears about a failed reopen.
   */
  lend?: { onError(err: unknown): void; afterLoan?(): void; control?: LocalControl };
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const pg = {
    max: opts.poolMax ?? 10,
    connectTimeoutSeconds: opts.timeouts?.connectSeconds,
    statementTimeoutMs: opts.timeouts?.statementMs,
  };
  const database = opts.databaseUrl ? openPostgres(opts.databaseUrl, pg) : await openDataDir(opts);
  if (opts.migrate !== false) await migrateDatabase(database, opts.databaseUrl);
  return database;
}

/** PGlite in DATA_DIR: borrowed from a running server, or held (and lent out, for a server) under the lock file. */
async function openDataDir(opts: OpenOptions): Promise<Database> {
  mkdirSync(opts.dataDir, { recursive: true });
  const holder = liveLock(opts.dataDir);
  if (holder?.port && holder.token) {
    const loan = await borrow(holder);
    return openPgliteThen(opts.dataDir, loan.giveBack);
  }
  const lock = acquireLock(opts.dataDir);
  try {
    return await holdDataDir(opts, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** PGlite in `dataDir`; `after` (give the loan back, release the lock) runs once it is closed, or if opening fails. */
async function openPgliteThen(dataDir: string, after: () => void): Promise<Database> {
  let d: Awaited<ReturnType<typeof openPglite>>;
  try {
    d = await openPglite(dataDir);
  } catch (err) {
    after();
    throw err;
  }
  return {
    ...d,
    close: async () => {
      await d.close();
      after();
    },
  };
}

async function holdDataDir(opts: OpenOptions, lock: ReturnType<typeof acquireLock>): Promise<Database> {
  if (!opts.lend) return openPgliteThen(opts.dataDir, lock.release);
  const pg = await LendablePglite.create(opts.dataDir);
  const lending = await startLending(pg, opts.lend.onError, opts.lend.afterLoan, opts.lend.control);
  lock.update({ port: lending.port, token: lending.token });
  const pglite = drizzle(pg.asPglite(), { schema });
  return {
    db: asDb(pglite),
    pglite,
    kind: "pglite",
    close: async () => {
      await lending.close();
      await pg.close();
      lock.release();
    },
  };
}

/**
 * Runs a CLI operation in the server that holds the embedded DATA_DIR, if one does (and knows the operation);
 * `undefined` means "open the database yourself" (Postgres, no server running, or an older holder).
 */
export async function runInHolder(
  opts: { databaseUrl?: string | undefined; dataDir: string },
  op: string,
  input: unknown,
): Promise<{ result: unknown } | undefined> {
  if (opts.databaseUrl) return undefined;
  const holder = liveLock(opts.dataDir);
  if (!holder?.port || !holder.token) return undefined;
  const result = await callHolder(holder, op, input);
  return result === NOT_HANDLED ? undefined : { result };
}
