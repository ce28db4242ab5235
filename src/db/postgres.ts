/** postgres.js driver: used on Node with DATABASE_URL and on Workers (Hyperdrive). Runtime-neutral. */
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "./schema.ts";
import type { Database, Db } from "./types.ts";

export interface PostgresOptions {
  max?: number;
  /** Workers: never call sql.end() (upstream bug); the client dies with the request. */
  closeable?: boolean;
  /** Seconds to wait for a connection (default 5: an outage fails fast instead of queueing requests for 30 s). */
  connectTimeoutSeconds?: number;
  /** Server-side `statement_timeout` in ms for every connection; 0 or absent = the server's default. */
  statementTimeoutMs?: number;
}

export function openPostgres(url: string, opts: PostgresOptions = {}): Database & { sql: postgres.Sql } {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connect_timeout: opts.connectTimeoutSeconds ?? 5,
    ...(opts.statementTimeoutMs ? { connection: { statement_timeout: opts.statementTimeoutMs } } : {}),
    // Workers runs without prepared-statement support through some poolers; harmless elsewhere.
    prepare: true,
  });
  const db = drizzle(sql, { schema }) as unknown as Db;
  return {
    db,
    sql,
    kind: "postgres",
    close: async () => {
      if (opts.closeable !== false) await sql.end({ timeout: 5 });
    },
  };
}
