/**
 * Everything the conversation core reads before answering a message, in one statement (`cl_chat_context`,
 * migrations/functions/cl_chat_context.sql): the update's de-duplication claim, the serving merchant, the linked
 * member (marking its chat reachable again), the language an unlinked chat chose, and the member's /points facts
 * when the message asks for them. One round trip instead of four or five: on PGlite every statement costs the
 * single event loop about a millisecond.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../../src/db/types.ts";
import { members } from "../../src/db/schema.ts";
import { resultRows } from "../../src/db/rows.ts";
import type { MemberRow } from "../../src/ledger/ledger.ts";
import type { PointsFacts } from "../../src/members/service.ts";
import type { Lang } from "../../src/messages/render.ts";

export interface ChatContextQuery {
  channel: string;
  userId: string;
  /** The merchant the bot serves (DEFAULT_MERCHANT_ID); undefined = resolve it in the statement (cl_serving_merchant). */
  merchantId: string | undefined;
  /** De-duplication key of the platform update (channel_processed_updates); undefined = no claim. */
  claimKey?: string | undefined;
  now: Date;
  /** Read the /points facts for a member of `merchantId`, with that merchant's window. */
  points?: { merchantId: string; spendFrom: Date; expiringUntil: Date } | undefined;
}

export type ChatContext =
  | { duplicate: true }
  | {
      duplicate: false;
      serving: string | undefined;
      /** The linked identity's merchant (the member's), when linked. */
      identityMerchantId: string | undefined;
      member: MemberRow | undefined;
      /** The language the chat chose before linking (only read when not linked). */
      chatLanguage: Lang | undefined;
      /** Only for a member of `points.merchantId`. */
      points: PointsFacts | undefined;
    };

interface Raw {
  duplicate?: boolean;
  serving: string | null;
  identityMerchantId: string | null;
  member: Record<string, unknown> | null;
  chatLanguage: string | null;
  points: {
    spend: number | string;
    pending: number | string;
    expiring: number | string;
    firstExpiry: string | null;
  } | null;
}

const memberColumns = Object.entries(getTableColumns(members));

/** A `to_jsonb(members)` object (column names, JSON scalars) → the row Drizzle would return. */
function memberFromJson(j: Record<string, unknown>): MemberRow {
  const row: Record<string, unknown> = {};
  for (const [key, col] of memberColumns) {
    const v = j[col.name];
    row[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
  }
  return row as MemberRow;
}

const STATEMENT = "select cl_chat_context($1, $2, $3, $4, $5::timestamptz, $6, $7::timestamptz, $8::timestamptz) as c";
type Param = string | null;

/** The driver under a Drizzle database, by shape (importing the drivers here would pull PGlite into the Worker). */
interface PgliteLike {
  query(text: string, params: Param[]): Promise<{ rows: unknown[] }>;
  exec(text: string): Promise<unknown>;
}
interface PostgresJsLike {
  unsafe(text: string, params: Param[], opts: { prepare: boolean }): Promise<unknown[]>;
}

/**
 * Runs the statement on the driver itself when there is one: this statement runs for every chat message, and
 * Drizzle's per-query work (query building, PGlite's per-query parser-table merge) would cost about as much as
 * the statement. On postgres.js it is a named prepared statement: one round trip (an unprepared query with
 * parameters costs postgres.js two — describe, then execute — which is what Drizzle sends). Inside a transaction
 * (no `$client`) it goes through Drizzle.
 */
async function run(db: Db, params: Param[]): Promise<unknown[]> {
  const client = (db as { $client?: unknown }).$client;
  if (client && typeof (client as PostgresJsLike).unsafe === "function")
    return (client as PostgresJsLike).unsafe(STATEMENT, params, { prepare: true });
  if (client && typeof (client as PgliteLike).query === "function" && typeof (client as PgliteLike).exec === "function")
    return (await (client as PgliteLike).query(STATEMENT, params)).rows;
  const [a, b, c, d, e, f, g, h] = params;
  // Like the driver paths above, the raw rows: every chat message runs this; the caller reads cl_chat_context's row.
  return resultRows(
    await db.execute(
      sql`select cl_chat_context(${a}, ${b}, ${c}, ${d}, ${e}::timestamptz, ${f}, ${g}::timestamptz, ${h}::timestamptz) as c`,
    ),
  );
}

/** Throws on a database error (with a claim: the update stays unclaimed, so the platform may re-send it). */
export async function loadChatContext(db: Db, q: ChatContextQuery): Promise<ChatContext> {
  const p = q.points;
  const rows = await run(db, [
    q.channel,
    q.userId,
    q.merchantId ?? null,
    q.claimKey ?? null,
    q.now.toISOString(),
    p?.merchantId ?? null,
    p ? p.spendFrom.toISOString() : null,
    p ? p.expiringUntil.toISOString() : null,
  ]);
  const c = (rows[0] as { c?: Raw | string } | undefined)?.c;
  const raw: Raw | undefined = typeof c === "string" ? (JSON.parse(c) as Raw) : c;
  if (!raw) throw new Error("cl_chat_context returned no row");
  if (raw.duplicate) return { duplicate: true };
  const lang = raw.chatLanguage;
  const f = raw.points;
  return {
    duplicate: false,
    serving: raw.serving ?? undefined,
    identityMerchantId: raw.identityMerchantId ?? undefined,
    member: raw.member ? memberFromJson(raw.member) : undefined,
    chatLanguage: lang === "vi" || lang === "en" ? lang : undefined,
    points: f
      ? { spend: Number(f.spend), pending: Number(f.pending), expiring: Number(f.expiring), firstExpiry: f.firstExpiry }
      : undefined,
  };
}
