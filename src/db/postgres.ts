/** postgres.js driver: used on Node with DATABASE_URL and on Workers (Hyperdrive). Runtime-neutral. */
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "./schema.ts";
import { asDb, type Database } from "./types.ts";

export interface PostgresOptions {
  max?: number;
  /** Workers: never call sql.end() (upstream bug); the client dies with the request. */
  closeable?: boolean;
  /** Seconds to wait for a connection (default 5: an outage fails fast instead of queueing requests for 30 s). */
  connectTimeoutSeconds?: number;
  /** Server-side `statement_timeout` in ms for every connection; 0 or absent = the server's default. */
  statementTimeoutMs?: number;
  /** Called with the text of every statement sent (tests: the tenant-filter check of docs/scaling.md). */
  onStatement?: (query: string) => void;
}

export function openPostgres(url: string, opts: PostgresOptions = {}): Database & { sql: postgres.Sql } {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connect_timeout: opts.connectTimeoutSeconds ?? 5,
    // Reconnect delay after failures, in seconds: the default grows to 20 s, and queries waiting for a connection
    // wait that long during an outage; capped at 1 s they fail (→ 503) or succeed within about a second.
    backoff: (attempts: number) => Math.min(0.05 * 2 ** attempts, 1),
    ...(opts.statementTimeoutMs ? { connection: { statement_timeout: opts.statementTimeoutMs } } : {}),
    // Workers runs without prepared-statement support through some poolers; harmless elsewhere.
    prepare: true,
    ...(opts.onStatement ? { debug: (_conn: number, query: string) => opts.onStatement!(query) } : {}),
  });
  const db = asDb(drizzle(sql, { schema }));
  return {
    db,
    sql,
    kind: "postgres",
    close: async () => {
      if (opts.closeable !== false) await sql.end({ timeout: 5 });
    },
  };
}
