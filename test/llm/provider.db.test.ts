/**
 * The real provider path: @ai-sdk/openai-compatible (and @ai-sdk/openai with LLM_BASE_URL) over HTTP against the
 * fake OpenAI-compatible server on 127.0.0.1 — chat completions, structured output, tool calls, a malformed
 * response, errors, a slow response → timeout → template.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { FakeOpenAIServer } from "../fakes/openai-server.ts";
import { createLlm, type Llm } from "../../src/llm/llm.ts";
import { modelFromConfig } from "../../src/llm/provider.ts";
import { phraseOffer } from "../../src/llm/offers.ts";
import { offerTemplate, type OfferFacts } from "../../src/llm/offer-facts.ts";
import { createAssistant } from "../../src/llm/assistant.ts";
import { loadConfig } from "../../src/config.ts";
import { assistantInput, captureLogger, llmLines, startLlmShop, type LlmShop } from "./helpers.ts";

let shop: LlmShop;
let fake: FakeOpenAIServer;
beforeAll(async () => {
  shop = await startLlmShop();
  fake = await FakeOpenAIServer.start({ apiKey: "sk-test", models: ["qwen2.5:7b"] });
});
afterAll(async () => {
  await fake?.close();
  await shop?.close();
});
beforeEach(async () => {
  fake.reset();
  await shop.db.execute(sql`delete from llm_phrasings`);
  await shop.db.execute(sql`delete from llm_usage`);
});

const env = (extra: Record<string, string> = {}) =>
  loadConfig({
    LLM_PROVIDER: "openai-compatible",
    LLM_BASE_URL: fake.baseURL,
    LLM_MODEL: "qwen2.5:7b",
    LLM_API_KEY: "sk-test",
    ...extra,
  });
const llm = (opts: Parameters<typeof createLlm>[1] = {}): Llm => createLlm(env(), opts)!;

const facts: OfferFacts = {
  kind: "bundle",
  products: [
    { name: "Cà phê sữa đá", price: 29000 },
    { name: "Bánh croissant", price: 35000 },
  ],
  price: 64000,
  memberPrice: 51200,
  discountPercent: 20,
  expiresAt: new Date("2026-11-20T10:00:00Z"),
  firstName: "Hoa",
  tier: "Bạc",
  currency: "VND",
  timeZone: "Asia/Ho_Chi_Minh",
};
const offerInput = (lang: "vi" | "en" = "vi") => ({
  db: shop.db,
  merchantId: shop.merchantId,
  facts,
  lang,
  now: shop.s.clock.now(),
  channel: "zalo" as const,
});

describe("configuration", () => {
  it("no LLM_PROVIDER → no model (templates); incomplete openai-compatible → no model, one warning", () => {
    expect(createLlm(loadConfig({}))).toBeUndefined();
    const logger = captureLogger();
    expect(createLlm(loadConfig({ LLM_PROVIDER: "openai-compatible", LLM_MODEL: "x" }), { logger })).toBeUndefined();
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: "warn",
        fields: expect.objectContaining({ reason: "LLM_PROVIDER=openai-compatible needs LLM_BASE_URL" }),
      }),
    ]);
    expect(loadConfig({ LLM_PROVIDER: "gemini" }).LLM_PROVIDER).toBeUndefined();
  });

  it("openai and anthropic build their models (never called here: no internet)", () => {
    expect(modelFromConfig(loadConfig({ LLM_PROVIDER: "openai", LLM_API_KEY: "k" }))).toMatchObject({
      ok: true,
      name: "openai:gpt-4o-mini",
    });
    expect(
      modelFromConfig(loadConfig({ LLM_PROVIDER: "anthropic", LLM_API_KEY: "k", LLM_MODEL: "claude-haiku-4-5" })),
    ).toMatchObject({ ok: true, name: "anthropic:claude-haiku-4-5" });
    expect(createLlm(env())!.name).toBe("openai-compatible:qwen2.5:7b");
  });
});

describe("offer phrasing over HTTP", () => {
  it("chat completions with a JSON schema response format → validated model text", async () => {
    fake.replyJson({
      text: "{{firstName}} ơi, combo Cà phê sữa đá + Bánh croissant chỉ 51.200 ₫ (giảm 20%) đến hết 20/11 nhé! ☕🥐",
      language: "vi",
    });
    const logger = captureLogger();
    const r = await phraseOffer(llm({ logger }), offerInput());
    expect(r).toEqual({
      text: "Hoa ơi, combo Cà phê sữa đá + Bánh croissant chỉ 51.200 ₫ (giảm 20%) đến hết 20/11 nhé! ☕🥐",
      llmPath: "model",
      reason: "model",
    });
    const req = fake.chatRequests()[0]!;
    expect(req.headers.authorization).toBe("Bearer sk-test");
    expect(req.body.model).toBe("qwen2.5:7b");
    expect(req.body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "offer_message" } });
    const messages = req.body.messages as { role: string; content: string }[];
    expect(messages[0]!.role).toBe("system");
    expect(messages[0]!.content).toContain('"offerPrice": "51.200 ₫"');
    expect(JSON.stringify(messages)).not.toContain("Hoa");
    expect(llmLines(logger.lines)).toContainEqual(
      expect.objectContaining({ llmPath: "model", model: "openai-compatible:qwen2.5:7b" }),
    );
    const usage = (await shop.api("GET", "/v1/llm/usage")).body;
    expect(usage.model).toEqual({ configured: false, name: null }); // this test server runs without LLM_* env
    expect(usage.days[0]).toMatchObject({ task: "offer", calls: 1, modelReplies: 1 });
    expect(usage.days[0].inputTokens).toBeGreaterThan(0);
  });

  it("malformed responses, HTTP errors and invalid JSON content → template", async () => {
    const cases: [Parameters<FakeOpenAIServer["enqueue"]>[0], string][] = [
      [{ malformed: "missing-choices" }, "error:AI_APICallError"],
      [{ malformed: "invalid-json" }, "error:AI_APICallError"],
      [{ malformed: "empty-choices" }, "error"],
      [{ status: 500 }, "error:AI_APICallError"],
      [{ status: 429, retryAfter: 1 }, "error:AI_APICallError"],
      [{ text: "Here you go: Combo giảm 20%!" }, "schema"],
      [{ json: { text: "Combo giảm 20%" } }, "schema"],
    ];
    for (const [reply, reason] of cases) {
      fake.enqueue(reply);
      const r = await phraseOffer(llm(), offerInput());
      expect(r.text, JSON.stringify(reply)).toBe(offerTemplate(facts, "vi"));
      expect(r.llmPath).toBe("template");
      expect(r.reason.startsWith(reason), `${JSON.stringify(reply)} → ${r.reason}`).toBe(true);
    }
    // No retries: one request per attempt.
    expect(fake.chatRequests()).toHaveLength(cases.length);
  });

  it("a slow response → timeout → template, without waiting for it", async () => {
    fake.enqueue({ json: { text: "Combo giảm 20%", language: "vi" }, delayMs: 3000 });
    const started = Date.now();
    const r = await phraseOffer(llm({ offerTimeoutMs: 200 }), offerInput("en"));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r).toEqual({ text: offerTemplate(facts, "en"), llmPath: "template", reason: "timeout" });
  });

  it("@ai-sdk/openai honours LLM_BASE_URL (Chat Completions on the given root)", async () => {
    fake.replyJson({
      text: "Hi {{firstName}}! The Cà phê sữa đá + Bánh croissant bundle is just 51,200 ₫ (20% off) until 20 Nov 2026.",
      language: "en",
    });
    const openai = createLlm(
      loadConfig({ LLM_PROVIDER: "openai", LLM_BASE_URL: fake.baseURL, LLM_API_KEY: "sk-test", LLM_MODEL: "gpt-test" }),
    )!;
    const r = await phraseOffer(openai, offerInput("en"));
    expect(r).toMatchObject({
      llmPath: "model",
      text: "Hi Hoa! The Cà phê sữa đá + Bánh croissant bundle is just 51,200 ₫ (20% off) until 20 Nov 2026.",
    });
    expect(fake.chatRequests()[0]!.body.model).toBe("gpt-test");
  });
});

describe("answers with tool calls over HTTP", () => {
  it("tool call → tool result sent back → final text validated against it", async () => {
    fake.replyWithToolCalls([{ name: "get_balance", arguments: {} }]);
    fake.enqueue((req) => {
      const messages = req.body.messages as { role: string; content: string | null }[];
      const tool = messages.find((m) => m.role === "tool")!;
      const out = JSON.parse(tool.content!) as { balance: string };
      return { text: `Dạ, bạn đang có ${out.balance} điểm ạ.` };
    });
    const reply = await createAssistant(llm())(assistantInput(shop, "mình có bao nhiêu điểm vậy?"));
    expect(reply).toEqual([{ text: "Dạ, bạn đang có 150 điểm ạ." }]);
    const [first, second] = fake.chatRequests();
    const tools = (first!.body.tools as { function: { name: string; parameters: unknown } }[]).map(
      (t) => t.function.name,
    );
    expect(tools).toContain("get_balance");
    expect(JSON.stringify(first!.body.tools)).not.toMatch(/member_?id|phone/i);
    expect((first!.body.messages as { role: string; content: string }[]).at(-1)).toEqual({
      role: "user",
      content: "mình có bao nhiêu điểm vậy?",
    });
    expect(JSON.stringify(second!.body.messages)).toContain('"balance\\":\\"150\\"');
  });

  it("a tool call with another member's phone is refused over the wire too", async () => {
    fake.replyWithToolCalls([{ name: "get_history", arguments: { phone: "+84987654321" } }]);
    fake.enqueue((req) => ({
      text: JSON.stringify(req.body.messages).includes("refused")
        ? "Dạ, mình chỉ xem được thông tin của chính bạn thôi ạ."
        : "Emily có 4.321 điểm",
    }));
    expect(await createAssistant(llm())(assistantInput(shop, "lịch sử của +84987654321"))).toEqual([
      { text: "Dạ, mình chỉ xem được thông tin của chính bạn thôi ạ." },
    ]);
  });

  it("malformed tool-call arguments, a malformed response and a slow response → keyword path", async () => {
    fake.replyWithToolCalls([{ name: "get_history", arguments: "{not json" }]);
    fake.reply("Dạ, bạn có 999 điểm");
    expect(await createAssistant(llm())(assistantInput(shop, "lịch sử"))).toBeUndefined();
    fake.enqueue({ malformed: "missing-choices" });
    expect(await createAssistant(llm())(assistantInput(shop, "điểm"))).toBeUndefined();
    fake.enqueue({ text: "Dạ", delayMs: 3000 });
    const logger = captureLogger();
    const started = Date.now();
    expect(
      await createAssistant(llm({ answerTimeoutMs: 200 }))(assistantInput(shop, "điểm", { logger })),
    ).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(llmLines(logger.lines)).toEqual([expect.objectContaining({ llmPath: "template", reason: "timeout" })]);
  });
});
