/**
 * KiotViet returns have no webhook ✔: a job reads GET /returns?lastModifiedFrom=<cursor> per connection with
 * credentials (every 15 minutes on Node; with the hourly cron on Workers) and refunds each return's lines once
 * (idempotent by the return id). Each return is logged as a delivery (topic `returns.poll`), replayable if failed.
 */
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import type { AppDeps } from "../deps.ts";
import { conflict } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { applyAction, connectionFacts } from "./apply.ts";
import { arr, obj, str } from "./json.ts";
import { RETURN_KIND_HEADER, returnAction } from "./kiotviet.ts";
import { pickStr, Unusable } from "./mapping.ts";
import { kiotVietApi, requireConnection } from "./service.ts";
import { integrationConnections, integrationCursors, integrationDeliveries } from "./tables.ts";

export const PollResult = z.object({
  returns: z.number().int(),
  applied: z.number().int(),
  cursor: z.string().nullable(),
});
export type PollResult = z.output<typeof PollResult>;

const RETURN_TOPIC = "returns.poll";

const PAGE = 100;
const MAX_PAGES = 50;

type ConnectionRow = typeof integrationConnections.$inferSelect;

export async function pollKiotVietReturns(db: Db, deps: AppDeps, merchantId: string, id: string): Promise<PollResult> {
  const conn = await requireConnection(db, merchantId, id);
  if (conn.platform !== "kiotviet" || !conn.credentialsSealed)
    throw conflict("not-pollable", "Not pollable", "Only KiotViet connections with credentials poll returns");
  return pollConnection(db, deps, conn);
}

/** Every KiotViet connection with credentials; one failing shop does not stop the others. */
export async function pollAllKiotVietReturns(db: Db, deps: AppDeps): Promise<void> {
  const conns = await db
    .select()
    .from(integrationConnections)
    .where(
      and(
        eq(integrationConnections.platform, "kiotviet"),
        isNotNull(integrationConnections.credentialsSealed),
        isNull(integrationConnections.deletedAt),
      ),
    );
  for (const conn of conns) {
    try {
      await pollConnection(db, deps, conn);
    } catch (err) {
      deps.logger.warn("kiotviet returns poll failed", {
        connectionId: conn.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

async function pollConnection(db: Db, deps: AppDeps, conn: ConnectionRow): Promise<PollResult> {
  const api = await kiotVietApi(deps, conn);
  if (!api) throw new Unusable("no credentials");
  const [row] = await db.select().from(integrationCursors).where(eq(integrationCursors.connectionId, conn.id));
  let cursor = row?.cursor ?? undefined;
  const from = cursor;
  let returns = 0;
  let applied = 0;
  const facts = await connectionFacts(db, conn);
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await api.returns(from, page * PAGE);
    const data = arr(body.data);
    for (const raw of data) {
      const ret = obj(raw);
      if (!ret) continue;
      returns++;
      const now = deps.clock.now();
      let r: Awaited<ReturnType<typeof applyAction>>;
      try {
        r = await applyAction(db, facts, returnAction(ret), now, deps.orderHooks);
      } catch (err) {
        if (!(err instanceof Unusable)) throw err;
        r = { outcome: "failed", reason: err.message };
      }
      if (r.outcome === "applied") applied++;
      await db.insert(integrationDeliveries).values({
        id: newId("dlv"),
        merchantId: conn.merchantId,
        connectionId: conn.id,
        receivedAt: now,
        topic: RETURN_TOPIC,
        objectId: pickStr(ret, "id")?.slice(0, 200) ?? null,
        outcome: r.outcome,
        reason: r.reason ?? null,
        externalId: r.externalId ?? null,
        headers: { [RETURN_KIND_HEADER]: "kiotviet-return" },
        body: JSON.stringify(ret),
      });
      const modified = str(ret.modifiedDate) ?? str(ret.createdDate);
      if (modified && (!cursor || modified > cursor)) cursor = modified;
    }
    if (data.length < PAGE) break;
  }
  await db
    .insert(integrationCursors)
    .values({ connectionId: conn.id, merchantId: conn.merchantId, cursor: cursor ?? null, polledAt: deps.clock.now() })
    .onConflictDoUpdate({
      target: integrationCursors.connectionId,
      set: { cursor: cursor ?? null, polledAt: deps.clock.now() },
    });
  return { returns, applied, cursor: cursor ?? null };
}

const QUARTER_HOUR = 15 * 60_000;

/** Node: poll every 15 minutes (first run a minute after start). */
export function startReturnsSchedule(deps: AppDeps, db: () => Db): { stop(): void } {
  const tick = () =>
    pollAllKiotVietReturns(db(), deps).catch((err: unknown) =>
      deps.logger.error("kiotviet returns job failed", { error: String(err) }),
    );
  const first = setTimeout(tick, 60_000);
  const interval = setInterval(tick, QUARTER_HOUR);
  return {
    stop() {
      clearTimeout(first);
      clearInterval(interval);
    },
  };
}
