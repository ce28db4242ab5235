/** The CLI opens the same database as the server: DATABASE_URL, else PGlite in DATA_DIR. */
import { loadConfig } from "../config.ts";
import type { Database } from "../db/types.ts";

export async function openCliDatabase(): Promise<Database> {
  const config = loadConfig(process.env);
  // Loaded on use: the drivers and the schema are most of the CLI's start-up, and `--help` needs none of them.
  const { openDatabase } = await import("../db/open.ts");
  return openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
}
