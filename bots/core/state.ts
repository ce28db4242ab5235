/**
 * Shared chat state in the database (so several processes agree): update de-duplication, the language a chat
 * chose before linking, numbered choices for channels without buttons, and which merchant the bots serve.
 */
import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../../src/db/types.ts";
import { chatSessions, processedUpdates } from "../../src/channels/tables.ts";
import type { Lang } from "../../src/messages/render.ts";
import type { MessageButton } from "../../src/channels/channel.ts";
import { findIdentity } from "../../src/links/service.ts";
import { findMember } from "../../src/members/service.ts";

/** True the first time `key` is seen on `channel` (atomic across processes), false for a replay. */
export async function firstDelivery(db: Db, channel: string, key: string, now: Date): Promise<boolean> {
  const rows = await db
    .insert(processedUpdates)
    .values({ channel, key, receivedAt: now })
    .onConflictDoNothing()
    .returning({ key: processedUpdates.key });
  return rows.length > 0;
}

/** Forget de-duplication keys older than `days` (platforms stop retrying long before). */
export async function pruneDeliveries(db: Db, now: Date, days = 7): Promise<void> {
  await db.delete(processedUpdates).where(lt(processedUpdates.receivedAt, new Date(now.getTime() - days * 86_400_000)));
}

export async function chatLanguage(db: Db, channel: string, userId: string): Promise<Lang | undefined> {
  const rows = await db
    .select({ language: chatSessions.language })
    .from(chatSessions)
    .where(and(eq(chatSessions.channel, channel), eq(chatSessions.userId, userId)))
    .limit(1);
  const l = rows[0]?.language;
  return l === "vi" || l === "en" ? l : undefined;
}

export async function setChatLanguage(
  db: Db,
  channel: string,
  userId: string,
  language: Lang,
  now: Date,
): Promise<void> {
  await db
    .insert(chatSessions)
    .values({ channel, userId, language, updatedAt: now })
    .onConflictDoUpdate({ target: [chatSessions.channel, chatSessions.userId], set: { language, updatedAt: now } });
}

/** Remembers the buttons just offered as numbered choices ("1", "2", …) for `ttlMs`. */
export async function saveChoices(
  db: Db,
  channel: string,
  userId: string,
  buttons: MessageButton[],
  now: Date,
  ttlMs = 30 * 60_000,
): Promise<void> {
  const choices = buttons.map((b) => ({ label: b.label, data: b.data }));
  const expires = new Date(now.getTime() + ttlMs);
  await db
    .insert(chatSessions)
    .values({ channel, userId, choices, choicesExpiresAt: expires, updatedAt: now })
    .onConflictDoUpdate({
      target: [chatSessions.channel, chatSessions.userId],
      set: { choices, choicesExpiresAt: expires, updatedAt: now },
    });
}

/**
 * The button behind a typed number: `{ data }` when it matches a current choice, `"expired"` when the number
 * refers to no current choice, undefined when there were no choices at all (treat it as text).
 */
export async function choiceFor(
  db: Db,
  channel: string,
  userId: string,
  n: number,
  now: Date,
): Promise<{ data: string } | "expired" | undefined> {
  const rows = await db
    .select({ choices: chatSessions.choices, expiresAt: chatSessions.choicesExpiresAt })
    .from(chatSessions)
    .where(and(eq(chatSessions.channel, channel), eq(chatSessions.userId, userId)))
    .limit(1);
  const row = rows[0];
  if (!row?.choices || row.choices.length === 0) return undefined;
  if (!row.expiresAt || row.expiresAt.getTime() <= now.getTime()) return "expired";
  const c = row.choices[n - 1];
  return c ? { data: c.data } : "expired";
}

/** The language replies to this chat are in: the linked member's, else the one the chat chose, else vi. */
export async function chatReplyLanguage(db: Db, channel: string, userId: string, merchantId?: string): Promise<Lang> {
  const identity = await findIdentity(db, channel, userId, merchantId);
  if (identity) {
    const m = await findMember(db, identity.merchantId, identity.memberId);
    if (m) return m.language === "en" ? "en" : "vi";
  }
  return (await chatLanguage(db, channel, userId)) ?? "vi";
}
