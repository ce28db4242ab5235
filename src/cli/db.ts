/** The CLI opens the same database as the server: DATABASE_URL, else PGlite in DATA_DIR. */
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/open.ts";
import type { Database } from "../db/types.ts";

export async function openCliDatabase(): Promise<Database> {
  const config = loadConfig(process.env);
  return openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
}
