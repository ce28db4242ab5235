/** Node-side: open the configured database (postgres.js with DATABASE_URL, else PGlite in DATA_DIR) and migrate it. */
import { mkdirSync } from "node:fs";
import { openPostgres } from "./postgres.ts";
import { openPglite } from "./pglite.ts";
import { migrateDatabase } from "./migrate.ts";
import type { Database } from "./types.ts";

export async function openDatabase(opts: { databaseUrl?: string | undefined; dataDir: string; migrate?: boolean; poolMax?: number }): Promise<Database> {
  let database: Database;
  if (opts.databaseUrl) {
    database = openPostgres(opts.databaseUrl, { max: opts.poolMax ?? 10 });
  } else {
    mkdirSync(opts.dataDir, { recursive: true });
    database = await openPglite(opts.dataDir);
  }
  if (opts.migrate !== false) await migrateDatabase(database, opts.databaseUrl);
  return database;
}
