/** /v1/llm routes: documented, behind the API key, validated, per merchant. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/server.ts";
import { recordUsage, usageDay } from "../../src/llm/usage.ts";
import { startLlmShop, type LlmShop } from "./helpers.ts";

let shop: LlmShop;
beforeAll(async () => {
  shop = await startLlmShop();
});
afterAll(async () => {
  await shop?.close();
});

describe("/v1/llm", () => {
  it("is in the OpenAPI document and needs the API key", async () => {
    const doc = (await apiClient(shop.s.url)("GET", "/v1/openapi.json")).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/llm/usage", "/v1/llm/settings"]));
    expect(doc.paths["/v1/llm/usage"].get.parameters).toEqual([expect.objectContaining({ name: "days", in: "query" })]);
    expect(doc.paths["/v1/llm/settings"].put.requestBody).toBeDefined();
    for (const [m, p] of [
      ["GET", "/v1/llm/usage"],
      ["GET", "/v1/llm/settings"],
      ["PUT", "/v1/llm/settings"],
    ] as const) {
      expect((await apiClient(shop.s.url)(m, p, m === "PUT" ? {} : undefined)).status).toBe(401);
    }
  });

  it("usage: per local day and task, other merchants' counters excluded; days validated", async () => {
    const now = shop.s.clock.now();
    const day = usageDay(now, "Asia/Ho_Chi_Minh");
    const yesterday = usageDay(new Date(now.getTime() - 86_400_000), "Asia/Ho_Chi_Minh");
    await recordUsage(
      shop.db,
      { merchantId: shop.merchantId, day, memberId: shop.member.id, task: "answer" },
      { calls: 2, modelReplies: 1, fallbacks: 1, inputTokens: 300, outputTokens: 40 },
      now,
    );
    await recordUsage(
      shop.db,
      { merchantId: shop.merchantId, day, memberId: shop.member.id, task: "answer" },
      { calls: 1, modelReplies: 1, inputTokens: 100, outputTokens: 10 },
      now,
    );
    await recordUsage(
      shop.db,
      { merchantId: shop.merchantId, day: yesterday, task: "offer" },
      { calls: 1, cacheHits: 4, inputTokens: 50, outputTokens: 5 },
      now,
    );
    await recordUsage(
      shop.db,
      { merchantId: "mer_someone_else", day, task: "offer" },
      { calls: 9, inputTokens: 9999 },
      now,
    );
    const r = await shop.api("GET", "/v1/llm/usage");
    expect(r.status).toBe(200);
    expect(r.body.model).toEqual({ configured: false, name: null });
    expect(r.body.today).toEqual({ day, tokens: 450, merchantDailyTokens: 1_000_000, remaining: 1_000_000 - 450 });
    expect(r.body.days).toEqual([
      {
        day,
        task: "answer",
        calls: 3,
        modelReplies: 2,
        fallbacks: 1,
        cacheHits: 0,
        inputTokens: 400,
        outputTokens: 50,
      },
      {
        day: yesterday,
        task: "offer",
        calls: 1,
        modelReplies: 0,
        fallbacks: 0,
        cacheHits: 4,
        inputTokens: 50,
        outputTokens: 5,
      },
    ]);
    expect(r.body.topMembersToday).toEqual([{ memberId: shop.member.id, tokens: 450, calls: 3 }]);
    expect((await shop.api("GET", "/v1/llm/usage?days=1")).body.days).toHaveLength(1);
    expect((await shop.api("GET", "/v1/llm/usage?days=0")).status).toBe(400);
    expect((await shop.api("GET", "/v1/llm/usage?days=abc")).status).toBe(400);
  });

  it("settings: defaults, replace, validation", async () => {
    expect((await shop.api("GET", "/v1/llm/settings")).body).toEqual({
      enabled: true,
      memberDailyTokens: 20000,
      merchantDailyTokens: 1000000,
      phrasingCacheDays: 7,
    });
    expect((await shop.api("PUT", "/v1/llm/settings", { enabled: false, phrasingCacheDays: 0 })).body).toEqual({
      enabled: false,
      memberDailyTokens: 20000,
      merchantDailyTokens: 1000000,
      phrasingCacheDays: 0,
    });
    expect((await shop.api("GET", "/v1/llm/settings")).body.enabled).toBe(false);
    const bad = await shop.api("PUT", "/v1/llm/settings", { merchantDailyTokens: "lots" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("merchantDailyTokens");
  });
});
