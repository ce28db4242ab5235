/**
 * The free-text assistant's short conversation memory, in the database (so every process — Node, several
 * instances, Workers — sees the same): the last `turns` answered turns of one chat, each the customer's text and the
 * validated reply that was sent. A conversation ends after `ttlMs` of silence; older turns are never read again and
 * are deleted on the next write.
 *
 * Scope: merchant + channel + chat, and the member the chat was linked to when the turn was written — a chat linked
 * to another member never reads the previous member's turns (and /start, linking and /stop delete them anyway).
 * What is stored is conversation context only: replies in memory are never facts for the validator.
 */
import { and, desc, eq, lt, ne, notInArray, or } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { llmChatTurns } from "./tables.ts";

export interface MemoryOptions {
  /** Turns kept and sent to the model (default 6; 0 disables memory). */
  turns: number;
  /** Silence after which the conversation is forgotten (default 30 minutes). */
  ttlMs: number;
}

export const DEFAULT_MEMORY: MemoryOptions = { turns: 6, ttlMs: 30 * 60_000 };

export interface ChatScope {
  merchantId: string;
  channel: string;
  chatId: string;
  memberId: string;
}

export interface MemoryTurn {
  id: number;
  user: string;
  reply: string;
  at: Date;
}

const inChat = (s: Pick<ChatScope, "merchantId" | "channel" | "chatId">) =>
  and(
    eq(llmChatTurns.merchantId, s.merchantId),
    eq(llmChatTurns.channel, s.channel),
    eq(llmChatTurns.chatId, s.chatId),
  );

/**
 * The current conversation, oldest first: at most `turns` turns of this member in this chat, walking back from the
 * newest while no gap (nor the time since the newest) exceeds `ttlMs`.
 */
export async function readMemory(
  db: Db,
  scope: ChatScope,
  now: Date,
  opts: MemoryOptions = DEFAULT_MEMORY,
): Promise<MemoryTurn[]> {
  if (opts.turns <= 0) return [];
  const rows = await db
    .select({
      id: llmChatTurns.id,
      user: llmChatTurns.userText,
      reply: llmChatTurns.replyText,
      at: llmChatTurns.createdAt,
    })
    .from(llmChatTurns)
    .where(and(inChat(scope), eq(llmChatTurns.memberId, scope.memberId)))
    .orderBy(desc(llmChatTurns.createdAt), desc(llmChatTurns.id))
    .limit(opts.turns);
  const kept: MemoryTurn[] = [];
  let after = now.getTime();
  for (const r of rows) {
    if (after - r.at.getTime() > opts.ttlMs) break;
    kept.push(r);
    after = r.at.getTime();
  }
  return kept.reverse();
}

/**
 * Appends one answered turn and prunes: this chat keeps only the conversation just read (`current`) plus the new
 * turn, at most `turns` of them, and only this member's; rows older than any conversation could span
 * (`turns × ttlMs`) are deleted for every chat, so silent chats don't keep their last turns forever.
 */
export async function writeTurn(
  db: Db,
  scope: ChatScope,
  turn: { user: string; reply: string },
  current: readonly MemoryTurn[],
  now: Date,
  opts: MemoryOptions = DEFAULT_MEMORY,
): Promise<void> {
  if (opts.turns <= 0) return;
  const [row] = await db
    .insert(llmChatTurns)
    .values({ ...scope, userText: turn.user, replyText: turn.reply, createdAt: now })
    .returning({ id: llmChatTurns.id });
  const keep = [...(opts.turns > 1 ? current.slice(-(opts.turns - 1)) : []).map((t) => t.id), row!.id];
  // Keep turns written meanwhile by a concurrent answer in the same chat (newer than what was read).
  const readUpTo = current.length > 0 ? current[current.length - 1]!.at : new Date(now.getTime() - opts.ttlMs);
  await db
    .delete(llmChatTurns)
    .where(
      and(
        inChat(scope),
        or(
          ne(llmChatTurns.memberId, scope.memberId),
          and(notInArray(llmChatTurns.id, keep), lt(llmChatTurns.createdAt, readUpTo)),
        ),
      ),
    );
  await db.delete(llmChatTurns).where(lt(llmChatTurns.createdAt, new Date(now.getTime() - opts.turns * opts.ttlMs)));
}

/** Forgets a chat's conversation (/start, linking, /stop); `merchantId` undefined = for every merchant. */
export async function clearMemory(
  db: Db,
  chat: { merchantId?: string | undefined; channel: string; chatId: string },
): Promise<void> {
  const where = chat.merchantId
    ? inChat({ merchantId: chat.merchantId, channel: chat.channel, chatId: chat.chatId })
    : and(eq(llmChatTurns.channel, chat.channel), eq(llmChatTurns.chatId, chat.chatId));
  await db.delete(llmChatTurns).where(where);
}
