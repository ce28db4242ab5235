/** Hand-built member histories written straight into the tables (no business logic in between). */
import { channelIdentities, members, orderItems, orders, pointLots } from "../../src/db/schema.ts";
import type { Db } from "../../src/db/types.ts";
import { newId } from "../../src/lib/ids.ts";

export const DAY = 86_400_000;

export interface ItemSpec {
  sku: string;
  category?: string;
  quantity?: number;
  unitPrice?: number;
  refundedQuantity?: number;
}

export interface OrderSpec {
  at: Date | string;
  total?: number;
  refunded?: number;
  items?: ItemSpec[];
  /** A `stores` id of the merchant: the order was placed there. */
  storeId?: string;
}

export interface MemberSpec {
  name?: string;
  language?: "vi" | "en";
  birthday?: string;
  tierName?: string | null;
  pointsTotal?: number;
  /** Pending (not yet spendable) lots: remaining points available later. */
  pending?: number;
  optedIn?: boolean;
  channels?: { channel: string; chatId?: string; linkedAt?: Date | string; unreachable?: boolean }[];
  orders?: OrderSpec[];
  phone?: string;
}

let seq = 0;

export async function addMember(db: Db, merchantId: string, spec: MemberSpec, now: Date): Promise<string> {
  const id = newId("mem");
  seq++;
  await db.insert(members).values({
    id,
    merchantId,
    name: spec.name ?? `Member ${seq}`,
    phone: spec.phone ?? null,
    language: spec.language ?? "vi",
    birthday: spec.birthday ?? null,
    tierName: spec.tierName ?? null,
    pointsTotal: spec.pointsTotal ?? 0,
    optedIn: spec.optedIn ?? false,
    createdAt: new Date(now.getTime() - 400 * DAY),
  });
  if (spec.pending) {
    await db.insert(pointLots).values({
      merchantId,
      memberId: id,
      points: spec.pending,
      remaining: spec.pending,
      earnedAt: now,
      availableAt: new Date(now.getTime() + 7 * DAY),
    });
  }
  for (const ch of spec.channels ?? []) {
    await db.insert(channelIdentities).values({
      merchantId,
      memberId: id,
      channel: ch.channel,
      userId: ch.chatId ?? `${ch.channel}-${seq}-${Math.random().toString(36).slice(2, 8)}`,
      chatId: ch.chatId ?? `${seq}${Math.floor(Math.random() * 1e6)}`,
      linkedAt: ch.linkedAt ? new Date(ch.linkedAt) : new Date(now.getTime() - 30 * DAY),
      unreachableAt: ch.unreachable ? now : null,
    });
  }
  for (const o of spec.orders ?? []) await addOrder(db, merchantId, id, o);
  return id;
}

export async function addOrder(db: Db, merchantId: string, memberId: string | null, o: OrderSpec): Promise<string> {
  const orderId = newId("ord");
  const items = o.items ?? [{ sku: "SKU-1", category: "coffee", quantity: 1, unitPrice: o.total ?? 50000 }];
  const total = o.total ?? items.reduce((s, i) => s + (i.quantity ?? 1) * (i.unitPrice ?? 0), 0);
  await db.insert(orders).values({
    id: orderId,
    merchantId,
    externalId: orderId,
    memberId,
    placedAt: new Date(o.at),
    total,
    refundedTotal: o.refunded ?? 0,
    contentHash: "x",
    storeId: o.storeId ?? null,
  });
  let line = 0;
  for (const i of items) {
    await db.insert(orderItems).values({
      orderId,
      merchantId,
      lineNo: ++line,
      sku: i.sku,
      category: i.category ?? null,
      quantity: i.quantity ?? 1,
      unitPrice: i.unitPrice ?? 0,
      refundedQuantity: i.refundedQuantity ?? 0,
    });
  }
  return orderId;
}

export const daysAgo = (now: Date, days: number, extraMs = 0) => new Date(now.getTime() - days * DAY - extraMs);
