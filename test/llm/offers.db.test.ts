/** Offer phrasing with AI SDK mock models: happy path + cache, invented discount, other product, schema, timeout, budgets. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createLlm } from "../../src/llm/llm.ts";
import { phraseOffer, type PhraseOfferInput } from "../../src/llm/offers.ts";
import { offerTemplate, type OfferFacts } from "../../src/llm/offer-facts.ts";
import { llmSettings } from "../../src/llm/usage.ts";
import {
  captureLogger,
  hangingModel,
  jsonResult,
  llmLines,
  scriptedModel,
  startLlmShop,
  systemPrompt,
  type LlmShop,
} from "./helpers.ts";

let shop: LlmShop;
beforeAll(async () => {
  shop = await startLlmShop();
});
afterAll(async () => {
  await shop?.close();
});
beforeEach(async () => {
  await shop.db.execute(sql`delete from llm_phrasings`);
  await shop.db.execute(sql`delete from llm_usage`);
  await llmSettings.put(shop.db, shop.merchantId, llmSettings.defaults);
});

let seq = 0;
const facts = (extra: Partial<OfferFacts> = {}): OfferFacts => ({
  kind: "cross-sell",
  products: [{ name: "Bánh croissant", sku: "BK-01", price: 35000 }],
  memberPrice: 28000,
  discountPercent: 20,
  expiresAt: new Date("2026-11-20T10:00:00Z"),
  firstName: "Hoa",
  tier: "Bạc",
  currency: "VND",
  timeZone: "Asia/Ho_Chi_Minh",
  // A distinct offer per test, so the cache of one test doesn't answer another.
  bonusPoints: 10 + seq++,
  ...extra,
});

function input(f: OfferFacts, extra: Partial<PhraseOfferInput> = {}): PhraseOfferInput {
  return {
    db: shop.db,
    merchantId: shop.merchantId,
    facts: f,
    lang: "vi",
    now: shop.s.clock.now(),
    channel: "telegram",
    ...extra,
  };
}

describe("phraseOffer", () => {
  it("without a model: the template, logged as llmPath=template", async () => {
    const logger = captureLogger();
    const f = facts();
    const r = await phraseOffer(undefined, input(f, { logger }));
    expect(r).toEqual({ text: offerTemplate(f, "vi"), llmPath: "template", reason: "no-model" });
    expect(llmLines(logger.lines)).toEqual([
      expect.objectContaining({ task: "offer", llmPath: "template", reason: "no-model" }),
    ]);
  });

  it("happy path: facts in, validated text out, name filled in after; cached per (offer, language, tier)", async () => {
    const f = facts({ bonusPoints: 50 });
    const model = scriptedModel(
      jsonResult({
        text: "{{firstName}} ơi, Bánh croissant chỉ còn 28.000 ₫ (giảm 20%), tặng thêm 50 điểm, đến hết 20/11/2026 nhé! 🥐",
        language: "vi",
      }),
    );
    const logger = captureLogger();
    const llm = createLlm(
      { LLM_PROVIDER: undefined, LLM_MODEL: undefined, LLM_API_KEY: undefined, LLM_BASE_URL: undefined },
      { model, logger },
    );
    const r = await phraseOffer(llm, input(f));
    expect(r).toEqual({
      text: "Hoa ơi, Bánh croissant chỉ còn 28.000 ₫ (giảm 20%), tặng thêm 50 điểm, đến hết 20/11/2026 nhé! 🥐",
      llmPath: "model",
      reason: "model",
    });
    // The model saw the facts, formatted, and a placeholder — never the member's name.
    const sys = systemPrompt(model.doGenerateCalls[0]!);
    expect(sys).toContain('"offerPrice": "28.000 ₫"');
    expect(sys).toContain("{{firstName}}");
    expect(sys).not.toContain("Hoa");
    expect(model.doGenerateCalls[0]!.responseFormat).toMatchObject({ type: "json" });
    expect(llmLines(logger.lines)).toContainEqual(
      expect.objectContaining({ task: "offer", llmPath: "model", reason: "model", inputTokens: 120, outputTokens: 30 }),
    );

    // Another member, same offer, language and tier: from the cache, with their own name, no model call.
    const again = await phraseOffer(llm, input({ ...f, firstName: "Lan" }));
    expect(again).toEqual({
      text: "Lan ơi, Bánh croissant chỉ còn 28.000 ₫ (giảm 20%), tặng thêm 50 điểm, đến hết 20/11/2026 nhé! 🥐",
      llmPath: "model",
      reason: "cache",
    });
    expect(model.doGenerateCalls).toHaveLength(1);
    // Another tier or language is another phrasing.
    await phraseOffer(llm, input({ ...f, tier: "Vàng" }));
    expect(model.doGenerateCalls).toHaveLength(2);

    const usage = await shop.api("GET", "/v1/llm/usage");
    expect(usage.status).toBe(200);
    expect(usage.body.days).toEqual([
      expect.objectContaining({
        task: "offer",
        calls: 2,
        modelReplies: 2,
        fallbacks: 0,
        cacheHits: 1,
        inputTokens: 240,
        outputTokens: 60,
      }),
    ]);
  });

  it("a model that invents a discount is rejected → template", async () => {
    const f = facts();
    const llm = createLlm({} as never, {
      model: scriptedModel(
        jsonResult({ text: "{{firstName}} ơi, Bánh croissant đang giảm 30% chỉ hôm nay!", language: "vi" }),
      ),
    });
    const logger = captureLogger();
    const r = await phraseOffer(llm, input(f, { logger }));
    expect(r).toEqual({ text: offerTemplate(f, "vi"), llmPath: "template", reason: "rejected:unknown-figure" });
    expect(llmLines(logger.lines)).toEqual([
      expect.objectContaining({ llmPath: "template", reason: "rejected:unknown-figure", detail: "30" }),
    ]);
  });

  it("rejects another catalog product, a link, the wrong language and an over-long text", async () => {
    const cases: [string, string, string][] = [
      ["Bánh croissant giảm 20%, uống kèm Trà đào cam sả càng ngon!", "vi", "rejected:unknown-product"],
      ["Bánh croissant giảm 20%, đặt tại https://shop.example nhé", "vi", "rejected:link"],
      ["Hi {{firstName}}! Bánh croissant is 20% off for you this week, enjoy it!", "vi", "rejected:language"],
      ["Bánh croissant giảm 20%! " + "Ngon lắm. ".repeat(60), "vi", "rejected:too-long"],
      ["Bánh croissant giảm 20% nhé", "en", "rejected:language"],
      ["{{firstName}} ơi, ghé quán nhé, đang giảm 20% đó!", "vi", "rejected:missing-product"],
    ];
    for (const [text, language, reason] of cases) {
      const llm = createLlm({} as never, { model: scriptedModel(jsonResult({ text, language })) });
      const r = await phraseOffer(llm, input(facts()));
      expect(r.llmPath, text).toBe("template");
      expect(r.reason, text).toBe(reason);
    }
  });

  it("structured output that fails the schema → template", async () => {
    for (const bad of [
      { message: "Bánh croissant giảm 20%" },
      { text: "", language: "vi" },
      { text: "Bánh croissant giảm 20%", language: "fr" },
    ]) {
      const llm = createLlm({} as never, { model: scriptedModel(jsonResult(bad)) });
      const r = await phraseOffer(llm, input(facts()));
      expect(r).toMatchObject({ llmPath: "template", reason: "schema" });
    }
    const notJson = createLlm({} as never, {
      model: scriptedModel({ ...jsonResult(null), content: [{ type: "text", text: "Sure! Here is your offer: …" }] }),
    });
    expect(await phraseOffer(notJson, input(facts()))).toMatchObject({ llmPath: "template", reason: "schema" });
  });

  it("a model that times out → template within the budget", async () => {
    const llm = createLlm({} as never, { model: hangingModel(), offerTimeoutMs: 150 });
    const f = facts();
    const started = Date.now();
    const r = await phraseOffer(llm, input(f, { lang: "en" }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r).toEqual({ text: offerTemplate(f, "en"), llmPath: "template", reason: "timeout" });
    const usage = await shop.api("GET", "/v1/llm/usage");
    expect(usage.body.days[0]).toMatchObject({ task: "offer", calls: 1, fallbacks: 1 });
    expect(usage.body.days[0].inputTokens).toBeGreaterThan(0);
  });

  it("a throwing model → template", async () => {
    const llm = createLlm({} as never, {
      model: scriptedModel(() => {
        throw new Error("boom");
      }),
    });
    expect(await phraseOffer(llm, input(facts()))).toMatchObject({ llmPath: "template", reason: "error:Error" });
  });

  it("the merchant's daily budget and the enabled switch are honoured", async () => {
    const model = scriptedModel(jsonResult({ text: "Dạ, Bánh croissant giảm 20% cho bạn nhé!", language: "vi" }));
    const llm = createLlm({} as never, { model });
    const put = await shop.api("PUT", "/v1/llm/settings", { merchantDailyTokens: 100 });
    expect(put.body).toEqual({
      enabled: true,
      memberDailyTokens: 20000,
      merchantDailyTokens: 100,
      phrasingCacheDays: 7,
    });
    expect(await phraseOffer(llm, input(facts()))).toMatchObject({ llmPath: "model" });
    // 150 tokens used ≥ 100: over budget for the rest of the (merchant-local) day.
    expect(await phraseOffer(llm, input(facts()))).toMatchObject({ llmPath: "template", reason: "budget-merchant" });
    expect(model.doGenerateCalls).toHaveLength(1);
    await shop.api("PUT", "/v1/llm/settings", { enabled: false });
    expect(await phraseOffer(llm, input(facts()))).toMatchObject({ llmPath: "template", reason: "disabled" });
    expect((await shop.api("GET", "/v1/llm/settings")).body.enabled).toBe(false);
    expect((await shop.api("PUT", "/v1/llm/settings", { memberDailyTokens: -1 })).status).toBe(400);
  });
});
