/**
 * KiotViet public API client: client-credentials token (id.kiotviet.vn/connect/token, scopes PublicApi.Access,
 * cached until shortly before `expires_in`), then `Retailer` + Bearer on every call ✔. A 401 drops the cached token
 * and retries once. Bodies are parsed losslessly (ids are longs).
 */
import { z } from "zod";
import type { Clock } from "../lib/clock.ts";
import { type Json, obj, parseLossless } from "./json.ts";
import type { KiotVietReader } from "./kiotviet.ts";
import { Unusable } from "./mapping.ts";

export const KiotVietCredentials = z.object({
  clientId: z.string().trim().min(1).max(200),
  clientSecret: z.string().trim().min(1).max(500),
  retailer: z.string().trim().min(1).max(200),
});
export type KiotVietCredentials = z.output<typeof KiotVietCredentials>;

export interface KiotVietEndpoints {
  apiRoot: string;
  tokenUrl: string;
}

/** Tokens per client id (a process-wide cache; a Worker isolate keeps its own). */
const tokens = new Map<string, { token: string; expiresAt: number }>();

/** A webhook delivery's whole KiotViet fetch sequence ends by then (KiotViet gives the receiver 5 s). */
export const DELIVERY_DEADLINE_MS = 4000;

/** Per call when no deadline is given (the returns poll, which nobody waits on). */
const TIMEOUT_MS = 3000;

export class KiotVietApi implements KiotVietReader {
  private readonly creds: KiotVietCredentials;
  private readonly endpoints: KiotVietEndpoints;
  private readonly clock: Clock;
  private readonly deadline: AbortSignal | undefined;

  /**
   * `deadline`: one signal shared by every call (a webhook delivery's: token, invoice, customer and a 401 retry
   * together must end in time, since KiotViet waits 5 s); without it each call times out on its own.
   */
  constructor(creds: KiotVietCredentials, endpoints: KiotVietEndpoints, clock: Clock, deadline?: AbortSignal) {
    this.creds = creds;
    this.endpoints = endpoints;
    this.clock = clock;
    this.deadline = deadline;
  }

  private fetch(url: string, init: RequestInit): Promise<Response> {
    return fetchWithin(url, init, this.deadline);
  }

  private async token(): Promise<string> {
    const cached = tokens.get(this.creds.clientId);
    if (cached && cached.expiresAt > this.clock.now().getTime()) return cached.token;
    const res = await this.fetch(this.endpoints.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        scopes: "PublicApi.Access",
        grant_type: "client_credentials",
        client_id: this.creds.clientId,
        client_secret: this.creds.clientSecret,
      }).toString(),
    });
    const body = obj(parseLossless(await readText(res, this.deadline)));
    const token = typeof body?.access_token === "string" ? body.access_token : undefined;
    if (!res.ok || !token) throw new Unusable(`KiotViet token endpoint answered ${res.status}`);
    const ttl = Number(body?.expires_in ?? 3600);
    // Renewed a minute early so a token never expires between the check and the call.
    tokens.set(this.creds.clientId, { token, expiresAt: this.clock.now().getTime() + Math.max(0, ttl - 60) * 1000 });
    return token;
  }

  async get(path: string): Promise<Json> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.fetch(this.endpoints.apiRoot.replace(/\/$/, "") + path, {
        headers: { Retailer: this.creds.retailer, Authorization: `Bearer ${await this.token()}` },
      });
      if (res.status === 401 && attempt === 1) {
        tokens.delete(this.creds.clientId);
        continue;
      }
      const body = obj(parseLossless(await readText(res, this.deadline)));
      if (!res.ok || !body) throw new Unusable(`KiotViet API ${path.split("?")[0]} answered ${res.status}`);
      return body;
    }
  }

  invoice(id: string) {
    return this.get(`/invoices/${encodeURIComponent(id)}`);
  }

  customer(id: string) {
    return this.get(`/customers/${encodeURIComponent(id)}`);
  }

  returns(lastModifiedFrom: string | undefined, currentItem: number) {
    const q = new URLSearchParams({ pageSize: "100", currentItem: String(currentItem), orderBy: "modifiedDate" });
    if (lastModifiedFrom) q.set("lastModifiedFrom", lastModifiedFrom);
    return this.get(`/returns?${q}`);
  }
}

/** A fetch that ends with the deadline (or its own timeout): past it, the delivery is `failed` (replayable). */
async function fetchWithin(url: string, init: RequestInit, deadline: AbortSignal | undefined): Promise<Response> {
  if (deadline?.aborted) throw outOfTime();
  try {
    return await fetch(url, { ...init, signal: deadline ?? AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    if (deadline?.aborted) throw outOfTime();
    throw new Unusable(`KiotViet unreachable: ${err instanceof Error ? err.name : "error"}`);
  }
}

/** The body, read under the same signal as the request (aborting it fails the read). */
async function readText(res: Response, deadline: AbortSignal | undefined): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    if (deadline?.aborted) throw outOfTime();
    throw new Unusable(`KiotViet unreachable: ${err instanceof Error ? err.name : "error"}`);
  }
}

const outOfTime = () =>
  new Unusable(`KiotViet API did not answer within the delivery's ${DELIVERY_DEADLINE_MS / 1000} s deadline`);

/** For tests: forget cached tokens. */
export function clearKiotVietTokens(): void {
  tokens.clear();
}
