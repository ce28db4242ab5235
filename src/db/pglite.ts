/** Embedded PGlite (Node only): the zero-setup default database, kept in DATA_DIR. */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import * as schema from "./schema.ts";
import { asDb, type Database } from "./types.ts";

/** `dataDir` undefined → in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Database & { client: PGlite }> {
  return wrapPglite(dataDir ? await PGlite.create({ dataDir }) : await PGlite.create());
}

/** Drizzle over an open PGlite (tests open theirs from a migrated data-dir dump). */
export function wrapPglite(client: PGlite): Database & { client: PGlite } {
  const pglite = drizzle(client, { schema });
  return { db: asDb(pglite), pglite, client, kind: "pglite", close: () => client.close() };
}
