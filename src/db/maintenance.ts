/**
 * Autovacuum's job for the embedded database. PGlite is Postgres in single-user mode: no autovacuum, so tables
 * are never analysed and the planner never gets statistics. A plan chosen on a young table is then cached for the
 * life of the one connection — measured: the order path's member-facts read picked a merchant-wide index (every
 * order and lot of the merchant read on each order, slower with every order). This pass applies autovacuum's own
 * thresholds (analyse after 50 + 10 % of a table changed, vacuum after 50 + 20 % of it is dead rows); an ANALYZE
 * invalidates the cached plans that read the table, so the next order is planned on real numbers.
 * A Postgres server does this itself; the Node entry runs the pass only on PGlite (docs/operations.md).
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Logger } from "../lib/log.ts";
import { queryRows } from "./rows.ts";
import type { Db } from "./types.ts";

const due = z.object({ table: z.string(), analyze: z.boolean(), vacuum: z.boolean() });

/** The tables past autovacuum's thresholds, analysed (and vacuumed where dead rows call for it); their names. */
export async function maintainTables(db: Db): Promise<{ analyzed: string[]; vacuumed: string[] }> {
  const rows = await queryRows(
    db,
    sql`select s.relname as "table",
               s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) as "analyze",
               s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0) as "vacuum"
        from pg_stat_user_tables s join pg_class c on c.oid = s.relid
        where s.schemaname = 'public'
          and (s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
               or s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0))
        order by s.relname`,
    due,
  );
  const analyzed: string[] = [];
  const vacuumed: string[] = [];
  for (const r of rows) {
    // Names come from the catalog (public schema), quoted as identifiers all the same.
    const table = sql.identifier(r.table);
    if (r.vacuum) {
      await db.execute(sql`vacuum (analyze) ${table}`);
      vacuumed.push(r.table);
      analyzed.push(r.table);
    } else {
      await db.execute(sql`analyze ${table}`);
      analyzed.push(r.table);
    }
  }
  return { analyzed, vacuumed };
}

/** autovacuum_naptime's default. */
const EVERY_MS = 60_000;

/** Runs the pass at once and then every minute; `stop()` waits for a pass in progress. */
export function startTableMaintenance(db: Db, logger: Logger, everyMs = EVERY_MS): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = running
      .then(() => maintainTables(db))
      .then((r) => {
        if (r.analyzed.length > 0) logger.debug("tables maintained", r);
      })
      .catch((err: unknown) => logger.warn("table maintenance failed", { error: String(err) }));
  };
  pass();
  const timer = setInterval(pass, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
