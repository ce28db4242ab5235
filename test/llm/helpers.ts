/**
 * LLM test helpers: a shop on the real app (two members with distinct balances, rewards, a product catalog),
 * scripted AI SDK mock models (MockLanguageModelV4), a capturing logger and a snapshot of every ledger table.
 */
import { MockLanguageModelV4 } from "ai/test";
import { asc } from "drizzle-orm";
import type { Db } from "../../src/db/types.ts";
import {
  ledgerEntries,
  members,
  pointLots,
  redemptions,
  rewards,
  creditEntries,
  idempotencyKeys,
} from "../../src/db/schema.ts";
import { findMember } from "../../src/members/service.ts";
import type { MemberRow } from "../../src/ledger/ledger.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { AssistantInput } from "../../src/llm/assistant.ts";
import type { Lang } from "../../src/messages/render.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";

export interface LlmShop {
  s: TestServer;
  db: Db;
  merchantId: string;
  api: Api;
  /** "Nguyễn Văn Hoa", vi, 150 points, tier Bạc. */
  member: MemberRow;
  /** "Emily Carter", en, 4.321 points, tier Vàng, phone +84987654321: must never leak to Hoa. */
  other: MemberRow;
  rewards: { coffee: string; voucher: string; cup: string };
  close(): Promise<void>;
}

export const OTHER_PHONE = "0987654321";

export async function startLlmShop(env: Record<string, string> = {}): Promise<LlmShop> {
  const s = await startTestServer({ env });
  const { merchantId, api } = await s.merchant("Cà Phê Test");
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await api(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await ok("PUT", "/v1/program", {
    currency: "VND",
    earn: { spend: 10000, points: 1 },
    pointsExpireDays: 20,
    tiers: [
      { name: "Bạc", minSpend: 0, multiplier: 1 },
      { name: "Vàng", minSpend: 2_000_000, multiplier: 1 },
    ],
  });
  const hoa = await ok("POST", "/v1/members", { phone: "0912345678", name: "Nguyễn Văn Hoa", language: "vi" });
  const emily = await ok("POST", "/v1/members", { phone: OTHER_PHONE, name: "Emily Carter", language: "en" });
  const at = s.clock.now().toISOString();
  await ok("POST", "/v1/orders", {
    externalId: "POS-1",
    memberId: hoa.id,
    placedAt: at,
    items: [
      { sku: "CF-01", name: "Cà phê sữa đá", quantity: 1, unitPrice: 1_465_000 },
      { sku: "BK-01", name: "Bánh croissant", quantity: 1, unitPrice: 35_000 },
    ],
  });
  await ok("POST", "/v1/orders", {
    externalId: "POS-2",
    memberId: emily.id,
    placedAt: at,
    items: [{ sku: "TR-01", name: "Trà đào cam sả", quantity: 1, unitPrice: 43_210_000 }],
  });
  const reward = async (body: Record<string, unknown>) => (await ok("POST", "/v1/rewards", body)).id as string;
  const coffee = await reward({ name: "Cà phê sữa đá", cost: 30, kind: "product", value: 29000 });
  const voucher = await reward({ name: "Voucher 50.000 ₫", cost: 80, kind: "voucher", value: 50000 });
  const cup = await reward({ name: "Ly giữ nhiệt", cost: 500, kind: "perk", stock: 5 });
  const db = s.database.db;
  return {
    s,
    db,
    merchantId,
    api,
    member: (await findMember(db, merchantId, hoa.id))!,
    other: (await findMember(db, merchantId, emily.id))!,
    rewards: { coffee, voucher, cup },
    close: () => s.close(),
  };
}

export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

export function captureLogger(
  lines: LogLine[] = [],
  base: Record<string, unknown> = {},
): Logger & { lines: LogLine[] } {
  const emit = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields: { ...base, ...fields } });
  return {
    lines,
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => captureLogger(lines, { ...base, ...fields }),
  };
}

export const llmLines = (lines: LogLine[]) => lines.filter((l) => l.msg === "llm").map((l) => l.fields);

export function assistantInput(shop: LlmShop, text: string, extra: Partial<AssistantInput> = {}): AssistantInput {
  return {
    db: shop.db,
    merchantId: shop.merchantId,
    member: shop.member,
    channel: "telegram",
    userId: "tg-1",
    text,
    lang: "vi" as Lang,
    now: shop.s.clock.now(),
    logger: captureLogger(),
    ...extra,
  };
}

/** Every row of the tables that hold points, balances and redemptions, as JSON (for "nothing changed"). */
export async function ledgerSnapshot(db: Db): Promise<string> {
  return JSON.stringify({
    entries: await db.select().from(ledgerEntries).orderBy(asc(ledgerEntries.id)),
    lots: await db.select().from(pointLots).orderBy(asc(pointLots.id)),
    members: await db.select().from(members).orderBy(asc(members.id)),
    redemptions: await db.select().from(redemptions).orderBy(asc(redemptions.id)),
    rewards: await db.select().from(rewards).orderBy(asc(rewards.id)),
    credit: await db.select().from(creditEntries).orderBy(asc(creditEntries.id)),
    idempotency: await db.select().from(idempotencyKeys).orderBy(asc(idempotencyKeys.key)),
  });
}

// ---- scripted mock models ---------------------------------------------------------------------------------------

type LanguageModelV4CallOptions = Parameters<MockLanguageModelV4["doGenerate"]>[0];
type LanguageModelV4GenerateResult = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>;

const usage = (input = 120, output = 30) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

export function textResult(text: string, tokens?: { input: number; output: number }): LanguageModelV4GenerateResult {
  return {
    content: [{ type: "text", text }],
    finishReason: { unified: "stop", raw: "stop" },
    usage: usage(tokens?.input, tokens?.output),
    warnings: [],
  };
}

export function jsonResult(value: unknown): LanguageModelV4GenerateResult {
  return textResult(JSON.stringify(value));
}

let callSeq = 0;
export function toolCallResult(...calls: { name: string; args?: unknown }[]): LanguageModelV4GenerateResult {
  return {
    content: calls.map((c) => ({
      type: "tool-call" as const,
      toolCallId: `call_${++callSeq}`,
      toolName: c.name,
      input: JSON.stringify(c.args ?? {}),
    })),
    finishReason: { unified: "tool-calls", raw: "tool_calls" },
    usage: usage(200, 20),
    warnings: [],
  };
}

export type Step =
  | LanguageModelV4GenerateResult
  | ((options: LanguageModelV4CallOptions) => LanguageModelV4GenerateResult | Promise<LanguageModelV4GenerateResult>);

/** A model that answers call i with steps[i] (the last one repeats). */
export function scriptedModel(...steps: Step[]): MockLanguageModelV4 {
  let i = 0;
  return new MockLanguageModelV4({
    doGenerate: async (options) => {
      const step = steps[Math.min(i++, steps.length - 1)]!;
      return typeof step === "function" ? step(options) : step;
    },
  });
}

/** A model that never answers until the call is aborted (the time budget). */
export function hangingModel(): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    doGenerate: (options) =>
      new Promise((_, reject) => {
        options.abortSignal?.addEventListener(
          "abort",
          () => reject(options.abortSignal?.reason ?? new Error("aborted")),
          { once: true },
        );
      }),
  });
}

/** The tool results the model was shown so far (from the prompt of a later step). */
export function toolOutputs(options: LanguageModelV4CallOptions): { toolName: string; output: unknown }[] {
  const out: { toolName: string; output: unknown }[] = [];
  for (const m of options.prompt) {
    if (m.role !== "tool") continue;
    for (const part of m.content) {
      if (part.type !== "tool-result") continue;
      const o = part.output as { type: string; value?: unknown };
      out.push({ toolName: part.toolName, output: o.type === "json" || o.type === "text" ? o.value : o });
    }
  }
  return out;
}

/** The system prompt a call was made with. */
export function systemPrompt(options: LanguageModelV4CallOptions): string {
  return options.prompt
    .filter((m) => m.role === "system")
    .map((m) => (m.role === "system" ? m.content : ""))
    .join("\n");
}
