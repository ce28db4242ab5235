/** Embedded PGlite (Node only): the zero-setup default database, kept in DATA_DIR. */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import * as schema from "./schema.ts";
import { asDb, type Database } from "./types.ts";

/** `dataDir` undefined → in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Database & { client: PGlite }> {
  const client = dataDir ? await PGlite.create({ dataDir }) : await PGlite.create();
  const pglite = drizzle(client, { schema });
  return { db: asDb(pglite), pglite, client, kind: "pglite", close: () => client.close() };
}
