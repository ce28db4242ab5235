import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type * as schema from "./schema.ts";

/** A Drizzle database or transaction over the app schema, whichever driver (PGlite or postgres.js). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * A driver's Drizzle database as the driver-neutral `Db` (each driver has its own result type; the app only uses the
 * query builder and `execute`, whose rows `src/db/rows.ts` reads for either driver).
 */
// biome-ignore lint/suspicious/noExplicitAny: the driver's result type is what varies; everything else is checked.
export const asDb = (db: PgDatabase<any, typeof schema>): Db => db;

interface OpenDatabase {
  db: Db;
  close(): Promise<void>;
}

/**
 * An open database plus how to close it (a no-op where the runtime forbids closing). A PGlite one also carries the
 * driver's own Drizzle instance (the same database as `db`), for the driver-specific migrator: narrowing by `kind`
 * reaches it with its real type.
 */
export type Database =
  | (OpenDatabase & { kind: "pglite"; pglite: PgliteDatabase<typeof schema> })
  | (OpenDatabase & { kind: "postgres" });
