/**
 * "Send test event": a small payload in the platform's shape with an unhandled topic, signed with the stored
 * secret and passed through the same receiver as a real delivery — it proves the secret and the pipeline, is
 * recorded as `ignored`, and earns nothing. (Whether the platform reaches the URL is checked on its side.)
 */
import type { Db } from "../db/types.ts";
import type { AppDeps } from "../deps.ts";
import { connectionSecret, receiveDelivery, requireConnection } from "./service.ts";
import { signBody } from "./signature.ts";

export async function sendTestEvent(db: Db, deps: AppDeps, merchantId: string, id: string) {
  const conn = await requireConnection(db, merchantId, id);
  const secret = await connectionSecret(deps, conn);
  const body =
    conn.platform === "nhanh"
      ? JSON.stringify({ event: "webhooksEnabled", businessId: "test", webhooksVerifyToken: secret, data: {} })
      : conn.platform === "kiotviet"
        ? JSON.stringify({ Id: `test-${Date.now()}`, Attempt: 1, Notifications: [{ Action: "test", Data: [] }] })
        : JSON.stringify({ id: "test", test: true });
  const headers: Record<string, string> = {
    ...signBody(conn.platform, secret, body),
    [`x-${conn.platform}-topic`]: "chatloyalty/test",
  };
  const r = await receiveDelivery(db, deps, conn.platform, conn.id, new TextEncoder().encode(body), (n) => headers[n]);
  return { outcome: r.body.outcome ?? "rejected-signature", deliveryId: r.body.deliveryId ?? "" };
}
