/** Outbound event endpoints: register (secret shown once, stored sealed), list, delete, the delivery log, replay. */
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { notFound, validationError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { urlRefusal } from "./address.ts";
import type { CreateWebhookInput } from "./schemas.ts";
import { webhookEndpoints, webhookMessages, type WebhookStatus } from "./tables.ts";

type EndpointRow = typeof webhookEndpoints.$inferSelect;
type MessageRow = typeof webhookMessages.$inferSelect;

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format the `standardwebhooks` libraries read. */
export function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export function webhookView(e: EndpointRow) {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    createdAt: e.createdAt.toISOString(),
  };
}

export function deliveryView(m: MessageRow) {
  return {
    id: m.id,
    eventType: m.eventType,
    status: m.status,
    attempts: m.attempts,
    nextAttemptAt: m.status === "pending" ? m.nextAttemptAt.toISOString() : null,
    lastAttemptAt: m.lastAttemptAt?.toISOString() ?? null,
    lastStatus: m.lastStatus,
    lastError: m.lastError,
    deliveredAt: m.deliveredAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
    payload: m.payload,
  };
}

export async function createWebhook(
  db: Db,
  merchantId: string,
  input: CreateWebhookInput,
  o: { box: SecretBox; allowPrivate: boolean; now: Date },
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const refused = urlRefusal(input.url, o.allowPrivate);
  if (refused) throw validationError([{ path: "url", message: refused }], `url: ${refused}`);
  const secret = newSigningSecret();
  const [endpoint] = await db
    .insert(webhookEndpoints)
    .values({
      id: newId("whe"),
      merchantId,
      url: input.url,
      events: [...new Set(input.events)],
      secretSealed: await o.box.seal(secret),
      description: input.description ?? null,
      createdAt: o.now,
    })
    .returning();
  return { endpoint: endpoint!, secret };
}

export async function listWebhooks(db: Db, merchantId: string): Promise<EndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.merchantId, merchantId), isNull(webhookEndpoints.deletedAt)))
    .orderBy(webhookEndpoints.createdAt);
}

export async function findWebhook(db: Db, merchantId: string, id: string): Promise<EndpointRow> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(
      and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.merchantId, merchantId), isNull(webhookEndpoints.deletedAt)),
    );
  if (!row) throw notFound("Webhook endpoint", "webhook-not-found");
  return row;
}

/** Deleting stops every delivery still pending for the endpoint (they become `cancelled`); the log stays. */
export async function deleteWebhook(db: Db, merchantId: string, id: string, now: Date): Promise<void> {
  await findWebhook(db, merchantId, id);
  await db.transaction(async (tx) => {
    await tx.update(webhookEndpoints).set({ deletedAt: now }).where(eq(webhookEndpoints.id, id));
    await tx
      .update(webhookMessages)
      .set({ status: "cancelled", lastError: "endpoint deleted" })
      .where(and(eq(webhookMessages.endpointId, id), eq(webhookMessages.status, "pending")));
  });
}

export async function listDeliveries(
  db: Db,
  merchantId: string,
  endpointId: string,
  q: { status?: WebhookStatus | undefined; limit: number; before?: string | undefined },
): Promise<MessageRow[]> {
  await findWebhook(db, merchantId, endpointId);
  const conds = [eq(webhookMessages.endpointId, endpointId), eq(webhookMessages.merchantId, merchantId)];
  if (q.status) conds.push(eq(webhookMessages.status, q.status));
  if (q.before) conds.push(lt(webhookMessages.createdAt, new Date(q.before)));
  return db
    .select()
    .from(webhookMessages)
    .where(and(...conds))
    .orderBy(desc(webhookMessages.createdAt), desc(webhookMessages.id))
    .limit(q.limit);
}

/**
 * Manual replay: the message is due again now, with the same `webhook-id` and body (receivers deduplicating by id
 * see a retry) and a fresh retry schedule. Any status may be replayed, a delivered one too.
 */
export async function replayDelivery(
  db: Db,
  merchantId: string,
  endpointId: string,
  deliveryId: string,
  now: Date,
): Promise<MessageRow> {
  await findWebhook(db, merchantId, endpointId);
  const [row] = await db
    .update(webhookMessages)
    .set({ status: "pending", attempts: 0, nextAttemptAt: now, lastError: null })
    .where(
      and(
        eq(webhookMessages.id, deliveryId),
        eq(webhookMessages.endpointId, endpointId),
        eq(webhookMessages.merchantId, merchantId),
      ),
    )
    .returning();
  if (!row) throw notFound("Delivery", "delivery-not-found");
  return row;
}
