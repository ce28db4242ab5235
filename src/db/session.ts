import { sql } from "drizzle-orm";
import type { Db } from "./types.ts";

/**
 * Runs `fn` in one read-only transaction (every query sees the same snapshot) without JIT compilation. For the
 * interactive reads over a merchant's whole history (analytics, segment counts and previews): their estimated cost
 * passes Postgres's JIT thresholds, and compiling the plan's expressions then takes longer (~1 s at 1 M members)
 * than the sub-second scan it would speed up. `set local` ends with the transaction, so pooled connections
 * (PgBouncer in transaction mode, Hyperdrive) never carry the setting to another request.
 */
export async function readSession<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      await tx.execute(sql`set local jit = off`);
      return fn(tx);
    },
    { accessMode: "read only" },
  );
}
