/**
 * Idempotent writes. The key is claimed in the same transaction as the effect, by the SQL that cl_place_order
 * uses too (cl_idempotent_claim / cl_idempotent_replay): a concurrent duplicate waits on the key row and then sees
 * the stored response; a failed request rolls its key back and may be retried. Whether a replay is the same
 * request is decided here, for both (replayOrConflict).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "./types.ts";
import { resultRows } from "./rows.ts";
import { idempotencyKeys } from "./schema.ts";
import { conflict } from "../lib/errors.ts";

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
  replayed: boolean;
}

/** A key's stored request hash and response, as cl_idempotent_replay returns them. */
export interface StoredKey {
  hash: string;
  status: number;
  response: string | null;
}

/** The stored response if the replay is the same request, else 409 idempotency-conflict. */
export function replayOrConflict<T>(
  stored: StoredKey | undefined,
  requestHash: string,
  key: string,
): StoredResponse<T> {
  if (!stored || stored.hash !== requestHash) {
    throw conflict(
      "idempotency-conflict",
      "Idempotency conflict",
      `The key "${key}" was already used with a different request`,
    );
  }
  return { status: stored.status, body: JSON.parse(stored.response ?? "null") as T, replayed: true };
}

export async function idempotent<T>(
  tx: Db,
  merchantId: string,
  scope: string,
  key: string,
  requestHash: string,
  run: () => Promise<{ status: number; body: T }>,
): Promise<StoredResponse<T>> {
  // Typed, not parsed: every keyed write runs these two, on rows the cl_idempotent_* functions shape.
  const [claim] = resultRows<{ claimed: boolean }>(
    await tx.execute(
      sql`select cl_idempotent_claim(${merchantId}, ${scope}, ${key}, ${requestHash}, 0, null) as claimed`,
    ),
  );
  if (!claim?.claimed) {
    const [row] = resultRows<{ hash: string; status: number; response: string | null }>(
      await tx.execute(
        sql`select request_hash as hash, status, response from cl_idempotent_replay(${merchantId}, ${scope}, ${key})`,
      ),
    );
    return replayOrConflict<T>(row, requestHash, key);
  }
  const result = await run();
  await tx
    .update(idempotencyKeys)
    .set({ status: result.status, response: JSON.stringify(result.body) })
    .where(
      and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)),
    );
  return { ...result, replayed: false };
}
