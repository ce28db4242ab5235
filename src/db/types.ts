import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.ts";

/** A Drizzle database or transaction over the app schema, whichever driver (PGlite or postgres.js). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database plus how to close it (a no-op where the runtime forbids closing). */
export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}
