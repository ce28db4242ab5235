/**
 * Retention of personal data that only serves operations: the assistant's conversation memory and the delivery
 * logs of promotional messages (rendered text, chat id, platform message id and error). Settings live under
 * `merchants.settings.privacy`; the hourly job (src/jobs/scheduler.ts) purges what is older. Delivery rows
 * themselves stay — campaign counts and "one message per campaign, ever" are computed from them — with their
 * personal fields blanked; simulator outbox messages are deleted.
 */
import { and, eq, isNotNull, lt, ne, or, sql } from "drizzle-orm";
import { z } from "zod";
import { settingsKey } from "../merchants/settings-key.ts";
import type { Db } from "../db/types.ts";
import { deliveries } from "../campaigns/tables.ts";
import { webOutbox } from "../channels/tables.ts";
import { llmChatTurns } from "../llm/tables.ts";

export const PrivacySettingsSchema = z.object({
  conversationMemoryDays: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(30)
    .describe("Days the assistant's conversation turns are kept at most (0: purged at every hourly run)"),
  deliveryLogDays: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(180)
    .describe(
      "Days a promotional message's text, chat id and error are kept (the row and its status stay, for counts)",
    ),
});
export type PrivacySettings = z.output<typeof PrivacySettingsSchema>;
export const privacySettings = settingsKey("privacy", PrivacySettingsSchema);

const DAY = 86_400_000;

export interface PurgeResult {
  conversationTurns: number;
  deliveryLogs: number;
  outboxMessages: number;
}

/** Purges one merchant's conversation memory and delivery logs older than its settings say. */
export async function purgeExpired(db: Db, merchantId: string, now: Date): Promise<PurgeResult> {
  const s = await privacySettings.get(db, merchantId);
  const memoryBefore = new Date(now.getTime() - s.conversationMemoryDays * DAY);
  const logsBefore = new Date(now.getTime() - s.deliveryLogDays * DAY);
  const turns = await db
    .delete(llmChatTurns)
    .where(and(eq(llmChatTurns.merchantId, merchantId), lt(llmChatTurns.createdAt, memoryBefore)))
    .returning({ id: llmChatTurns.id });
  // Finished deliveries only (queued ones still need their chat): status and counts stay.
  const logs = await db
    .update(deliveries)
    .set({ text: null, chatId: "", messageId: null, error: null })
    .where(
      and(
        eq(deliveries.merchantId, merchantId),
        lt(deliveries.updatedAt, logsBefore),
        sql`${deliveries.status} not in ('queued', 'claimed', 'sending')`,
        or(
          isNotNull(deliveries.text),
          ne(deliveries.chatId, ""),
          isNotNull(deliveries.messageId),
          isNotNull(deliveries.error),
        ),
      ),
    )
    .returning({ id: deliveries.id });
  const outbox = await db
    .delete(webOutbox)
    .where(and(eq(webOutbox.merchantId, merchantId), lt(webOutbox.createdAt, logsBefore)))
    .returning({ id: webOutbox.id });
  return { conversationTurns: turns.length, deliveryLogs: logs.length, outboxMessages: outbox.length };
}
