/**
 * Idempotent writes. The key row is inserted in the same transaction as the effect: a concurrent duplicate waits
 * on the row lock and then sees the stored response; a failed request rolls its key back and may be retried.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "./types.ts";
import { idempotencyKeys } from "./schema.ts";
import { conflict } from "../lib/errors.ts";

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
  replayed: boolean;
}

export async function idempotent<T>(
  tx: Db,
  merchantId: string,
  scope: string,
  key: string,
  requestHash: string,
  run: () => Promise<{ status: number; body: T }>,
): Promise<StoredResponse<T>> {
  const inserted = await tx
    .insert(idempotencyKeys)
    .values({ merchantId, scope, key, requestHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length === 0) {
    const [row] = await tx
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
    if (!row || row.requestHash !== requestHash) {
      throw conflict("idempotency-conflict", "Idempotency conflict", `The key "${key}" was already used with a different request`);
    }
    return { status: row.status, body: JSON.parse(row.response ?? "null") as T, replayed: true };
  }
  const result = await run();
  await tx
    .update(idempotencyKeys)
    .set({ status: result.status, response: JSON.stringify(result.body) })
    .where(and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return { ...result, replayed: false };
}
