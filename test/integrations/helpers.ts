/** Shared by the integration tests: fixtures as raw text, platform signatures, posting deliveries over loopback. */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Api, ApiResponse } from "../helpers/server.ts";

/** A fixture's raw text (never re-serialised: ids above 2^53 must reach the receiver exactly). */
export const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/integrations/${name}`, import.meta.url), "utf8");

export const hmac = (secret: string, body: string) => createHmac("sha256", secret).update(body);
export const b64 = (secret: string, body: string) => hmac(secret, body).digest("base64");
export const hex = (secret: string, body: string) => hmac(secret, body).digest("hex");

export const SECRET = "shpss_0123456789abcdef0123456789abcdef";

export async function postHook(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<ApiResponse> {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function connect(api: Api, platform: string, extra: Record<string, unknown> = {}) {
  const r = await api("POST", "/v1/integrations", { platform, secret: SECRET, ...extra });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, path: new URL(r.body.webhookUrl, "http://x").pathname, view: r.body };
}

export async function memberByPhone(api: Api, phone: string) {
  const r = await api("GET", `/v1/members?phone=${encodeURIComponent(phone)}`);
  return r.body.members[0] as { id: string; points: { balance: number; total: number } } | undefined;
}

export async function deliveries(api: Api, id: string) {
  const r = await api("GET", `/v1/integrations/${id}/deliveries`);
  expect(r.status).toBe(200);
  return r.body.deliveries as {
    id: string;
    outcome: string;
    reason: string | null;
    externalId: string | null;
    objectId: string | null;
    topic: string | null;
  }[];
}

export async function orderCount(api: Api, externalId: string) {
  const r = await api("GET", `/v1/orders/${encodeURIComponent(externalId)}`);
  return r.status === 200 ? 1 : 0;
}
