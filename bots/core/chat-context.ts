/**
 * Everything the conversation core reads before answering a message, in one statement (`cl_chat_context`, migration
 * 0007): the update's de-duplication claim, the serving merchant, the linked member (marking its chat reachable
 * again), the language an unlinked chat chose, and the member's /points facts when the message asks for them.
 * One round trip instead of four or five: on PGlite every statement costs the single event loop about a millisecond.
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
  /** The merchant the bot serves; undefined = resolve it in the statement (as servingMerchant() does). */
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
  points: { spend: number | string; pending: number | string; expiring: number | string; firstExpiry: string | null } | null;
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

/** Throws on a database error (with a claim: the update stays unclaimed, so the platform may re-send it). */
export async function loadChatContext(db: Db, q: ChatContextQuery): Promise<ChatContext> {
  const p = q.points;
  const result = await db.execute(
    sql`select cl_chat_context(${q.channel}, ${q.userId}, ${q.merchantId ?? null}, ${q.claimKey ?? null}, ${q.now.toISOString()}::timestamptz, ${p?.merchantId ?? null}, ${p ? p.spendFrom.toISOString() : null}::timestamptz, ${p ? p.expiringUntil.toISOString() : null}::timestamptz) as c`,
  );
  const c = resultRows<{ c: Raw | string }>(result)[0]?.c;
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
    points: f ? { spend: Number(f.spend), pending: Number(f.pending), expiring: Number(f.expiring), firstExpiry: f.firstExpiry } : undefined,
  };
}
