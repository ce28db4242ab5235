/**
 * The order hot path: an order addressed by memberId (or a guest order) in one statement — `cl_place_order`
 * (migrations/functions/cl_place_order.sql) — plus, unless this process has just seen the member, one read of the
 * member's facts before it. Optimistic: the earn is computed here from the facts read without a lock, and the
 * function writes only if, under the member lock, the facts are still the same; otherwise it returns the fresh
 * ones and the order is computed again. Each call is its own transaction.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { resultRows } from "../db/rows.ts";
import { newId } from "../lib/ids.ts";
import { notFound } from "../lib/errors.ts";
import { replayOrConflict } from "../db/idempotency.ts";
import { getProgram } from "../program/service.ts";
import { spendable } from "../ledger/ledger.ts";
import type { CreateOrderInput, OrderResult } from "./schemas.ts";
import { placeBatched, type PgClient } from "./batch.ts";
import { unknownStore } from "../stores/service.ts";
import type { AuditStamp } from "../audit/write.ts";
import {
  expiresAt,
  guestOrderResult,
  lotRemaining,
  orderLineRows,
  orderTotal,
  pendingUntil,
  planEarn,
  type MemberFacts,
} from "./plan.ts";

type Outcome =
  | { r: "ok" }
  | { r: "no-member" }
  | { r: "no-store" }
  | { r: "facts"; facts: MemberFacts }
  | { r: "replay"; hash: string; status: number; response: string | null };

export interface Placed {
  status: number;
  body: OrderResult;
  replayed: boolean;
  /** The request's audit entry was written with the order (only when `audit` was given and the order is new). */
  audited: boolean;
}

/** Facts that changed under us this many times in a row: give up here, the caller takes the locking path. */
const OPTIMISTIC_ATTEMPTS = 4;

/**
 * The facts each member had after this process's last order for them, so a repeat customer's order skips the
 * probe (one round trip instead of two). Only ever a guess: the function checks it under the lock and answers a
 * wrong guess (another process, an adjustment, time passing) with the real facts. Oldest entries go first.
 */
const FACTS_CACHE_MAX = 100_000;
const factsCache = new Map<string, MemberFacts>();
function rememberFacts(key: string, facts: MemberFacts | undefined) {
  factsCache.delete(key);
  if (!facts) return;
  if (factsCache.size >= FACTS_CACHE_MAX) factsCache.delete(factsCache.keys().next().value!);
  factsCache.set(key, facts);
}

/**
 * The postgres.js client under a Drizzle database opened with postgres.js (`$client`, a callable with `unsafe`);
 * undefined for PGlite and for a transaction (which has no `$client`).
 */
function postgresClientOf(db: Db): PgClient | undefined {
  if (!("$client" in db)) return undefined;
  const client: unknown = db.$client;
  return isPgClient(client) ? client : undefined;
}

function isPgClient(c: unknown): c is PgClient {
  return typeof c === "function" && "unsafe" in c && typeof c.unsafe === "function";
}

async function call(db: Db, params: Record<string, unknown> & { memberId: string | null }): Promise<Outcome> {
  const json = JSON.stringify(params);
  const client = postgresClientOf(db);
  let out: Outcome;
  if (client) {
    // Straight to postgres.js, prepared and batched with concurrent orders (batch.ts). Through Drizzle, an unnamed
    // query runs unprepared, which postgres.js turns into two round trips (describe, then execute).
    out = (await placeBatched(client, json, params.memberId)) as Outcome;
  } else {
    // PGlite (in process), or a transaction the caller opened. Typed, not parsed: the one text column of the
    // ledger's hot path, which the JSON.parse below reads as cl_place_order's outcome.
    const rows = resultRows<{ r: string }>(
      await db.execute(sql`select cl_place_order(${json}::text::jsonb)::text as r`),
    );
    out = JSON.parse(rows[0]!.r) as Outcome;
  }
  return out;
}

/**
 * The response as the order's idempotency key stores it: when the order has an earn entry, whose breakdown is the
 * response's breakdown, the stored text names it instead of repeating it, and cl_idempotent_replay splices it back
 * for every replay (migrations/functions/cl_idempotent_replay.sql) — a few hundred bytes less per order.
 */
function storedResponse(body: OrderResult, credits: { kind: string; breakdown: unknown }[]): string {
  const earn = credits.find((c) => c.kind === "earn");
  if (!earn || earn.breakdown !== body.breakdown) return JSON.stringify(body);
  return JSON.stringify({ ...body, breakdown: "ledger:earn" });
}

/** Returns undefined when the facts kept changing (heavy contention on one member). */
export async function placeOrder(
  db: Db,
  merchantId: string,
  input: CreateOrderInput,
  now: Date,
  hash: string,
  audit?: AuditStamp,
): Promise<Placed | undefined> {
  const program = await getProgram(db, merchantId);
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const memberId = input.memberId ?? null;
  const base = {
    merchantId,
    memberId,
    externalId: input.externalId,
    hash,
    now: now.toISOString(),
    placedAt: placedAt.toISOString(),
    windowFrom: new Date(placedAt.getTime() - program.tierWindowDays * 86_400_000).toISOString(),
    // Checked by the probe too, so an order at an unknown or archived store is refused before any earn is computed.
    storeId: input.storeId ?? null,
  };
  // Only the writing calls carry it (a probe writes nothing).
  const stamp = audit ? { audit } : {};

  // The order rows do not depend on the facts.
  const orderId = newId("ord");
  const total = orderTotal(input);
  const { lines, products } = orderLineRows(input);
  const rows = {
    orderId,
    channel: input.channel,
    total,
    offerCodes: input.offerCodes ?? [],
    storeId: input.storeId ?? null,
    lines,
    products,
  };

  const cacheKey = `${merchantId}:${memberId}`;
  let facts: MemberFacts | undefined = memberId ? factsCache.get(cacheKey) : undefined;
  let next: MemberFacts | undefined;
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    let out: Outcome;
    let body: OrderResult | undefined;
    if (memberId && !facts) {
      out = await call(db, base); // probe: facts (or a stored response), no lock, no writes
    } else if (!facts) {
      body = guestOrderResult(orderId, input.externalId, total);
      out = await call(db, {
        ...base,
        ...rows,
        ...stamp,
        expect: {},
        pointsEarned: 0,
        creditEarned: 0,
        cashback: 0,
        credits: [],
        upgradeTo: null,
        response: JSON.stringify(body),
      });
    } else {
      const plan = planEarn(program, input, facts, placedAt);
      const { breakdown } = plan;
      const availableAt = pendingUntil(program, placedAt);
      const credits: { kind: string; points: number; remaining: number; reason: string; breakdown: unknown }[] = [];
      let after = facts.pointsTotal;
      if (breakdown.earn > 0) {
        credits.push({
          kind: "earn",
          points: breakdown.earn,
          remaining: lotRemaining(breakdown.earn, after),
          reason: `order ${input.externalId}`,
          breakdown,
        });
        after += breakdown.earn;
      }
      if (breakdown.bonus > 0) {
        credits.push({
          kind: "bonus",
          points: breakdown.bonus,
          remaining: lotRemaining(breakdown.bonus, after),
          reason: `bonus: ${breakdown.events.map((e) => e.name).join(", ")}`,
          breakdown: { events: breakdown.events },
        });
        after += breakdown.bonus;
      }
      // Pending changes only through this order's own lots (when the program has a pending window).
      const pending = availableAt > now ? facts.pending + credits.reduce((s, c) => s + c.remaining, 0) : facts.pending;
      next = {
        ...facts,
        tierName: plan.upgradeTo ?? facts.tierName,
        tierSince: plan.upgradeTo ? placedAt.getTime() : facts.tierSince,
        pointsTotal: after,
        spend: facts.spend + total,
        pending,
      };
      body = {
        orderId,
        externalId: input.externalId,
        total,
        pointsEarned: breakdown.earn + breakdown.bonus,
        balance: spendable(after, pending).balance,
        memberId,
        pending: spendable(after, pending).pending,
        cashback: breakdown.cashback,
        tier: plan.tier?.name ?? null,
        breakdown,
      };
      const expires = expiresAt(program, placedAt);
      out = await call(db, {
        ...base,
        ...rows,
        ...stamp,
        expect: facts,
        pointsEarned: body.pointsEarned,
        creditEarned: breakdown.cashback,
        cashback: breakdown.cashback,
        credits,
        availableAt: availableAt.toISOString(),
        expiresAt: expires ? expires.toISOString() : null,
        upgradeTo: plan.upgradeTo,
        response: storedResponse(body, credits),
      });
    }
    switch (out.r) {
      case "ok":
        if (memberId) rememberFacts(cacheKey, next);
        return { status: 201, body: body!, replayed: false, audited: audit !== undefined };
      case "replay":
        return { ...replayOrConflict<OrderResult>(out, hash, input.externalId), audited: false };
      case "no-member":
        rememberFacts(cacheKey, undefined);
        throw notFound("Member", "member-not-found");
      case "no-store":
        throw unknownStore(input.storeId ?? "");
      case "facts":
        facts = out.facts;
        rememberFacts(cacheKey, facts);
    }
  }
  return undefined;
}
