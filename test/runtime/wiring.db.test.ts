/**
 * The one runtime wiring (src/runtime): built as Node builds it (one Db) and as Workers build it (a Db factory per
 * request, late work deferred), the assistant's tools read the offers engine's own texts — never LLM-phrased ones
 * (no model call inside a model call) — while `/offers` in chat is phrased by the model; the order hooks are the
 * runtime's; and the runtime's jobs and deliveries run against the database it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { listOffersForChat } from "../../src/offers/service.ts";
import { createRuntime, engineChatOffers, type Runtime } from "../../src/runtime/runtime.ts";
import { runtimeOrderHooks } from "../../src/runtime/hooks.ts";
import { offerOrderHooks } from "../../src/offers/service.ts";
import { FakeOpenAIServer, type RecordedChatRequest, type ScriptedReply } from "../fakes/openai-server.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { assistantInput, startLlmShop, type LlmShop } from "../llm/helpers.ts";

let shop: LlmShop;
let fake: FakeOpenAIServer;
/** What the model was shown as list_offers' output, per assistant call. */
let toolOutputs: string[] = [];

/** Phrasing requests get JSON; answers call list_offers and then say something short. */
function fakeModel(req: RecordedChatRequest): ScriptedReply {
  const messages = req.body.messages as { role: string; content: string | null }[];
  const phrasing = { text: "{{firstName}} ơi, ưu đãi riêng đang chờ bạn!", language: "vi" };
  if (req.body.response_format) return { json: phrasing };
  const tool = messages.find((m) => m.role === "tool");
  if (!tool) return { toolCalls: [{ name: "list_offers", arguments: {} }] };
  toolOutputs.push(tool.content ?? "");
  return { text: "Dạ, bạn xem các ưu đãi ở trên nhé." };
}

const llmEnv = () => ({
  LOG_LEVEL: "error",
  LLM_PROVIDER: "openai-compatible",
  LLM_BASE_URL: fake.baseURL,
  LLM_MODEL: "qwen-test",
  LLM_API_KEY: "sk-local",
});

beforeAll(async () => {
  shop = await startLlmShop();
  fake = await FakeOpenAIServer.start({ apiKey: "sk-local" });
  fake.setDefault(fakeModel);
});
afterAll(async () => {
  await fake?.close();
  await shop?.close();
});

const wirings: { name: string; build(env: Record<string, string>): Runtime }[] = [
  {
    name: "Node (one Db)",
    build: (env) => createRuntime({ config: loadConfig(env), db: shop.db, clock: shop.s.clock, logger: silentLogger }),
  },
  {
    name: "Workers (a Db per request, deferred work)",
    build: (env) => {
      const db = () => shop.db;
      return createRuntime({
        config: loadConfig(env),
        db,
        clock: shop.s.clock,
        logger: silentLogger,
        defer: (p) => void p,
      });
    },
  },
];

describe("createRuntime", () => {
  for (const w of wirings) {
    it(`${w.name}: the assistant reads the engine's offers; /offers is phrased by the model`, async () => {
      const rt = w.build(llmEnv());
      expect(rt.llm).toBeDefined();
      expect(rt.assistant).toBeDefined();
      expect(rt.assistantOffers).toBe(engineChatOffers);
      expect(rt.chatOffers).not.toBe(engineChatOffers);

      const now = shop.s.clock.now();
      const engine = await listOffersForChat(shop.db, shop.merchantId, shop.member.id, now);
      expect(engine.length).toBeGreaterThan(0);

      const before = fake.chatRequests().length;
      const since = () => fake.chatRequests().slice(before);
      toolOutputs = [];
      const reply = await rt.assistant!(assistantInput(shop, "quán có ưu đãi gì cho mình không?"));
      expect(reply?.[0]?.text).toBe("Dạ, bạn xem các ưu đãi ở trên nhé.");
      // One answer, two model steps, and no phrasing call inside it.
      expect(since().filter((r) => r.body.response_format)).toHaveLength(0);
      expect(since()).toHaveLength(2);
      expect(toolOutputs).toHaveLength(1);
      const shown = (JSON.parse(toolOutputs[0]!) as { offers: { id: string; text: string }[] }).offers;
      expect(shown).toEqual(engine.slice(0, 3).map((o) => expect.objectContaining({ id: o.id, text: o.text })));

      // `/offers` in chat: the same offers, phrased by the model.
      const phrased = await rt.chatOffers.list(shop.db, shop.merchantId, shop.member.id, now);
      expect(phrased.map((o) => o.id)).toEqual(engine.map((o) => o.id));
      expect(phrased.some((o) => o.text.includes("ưu đãi riêng đang chờ bạn"))).toBe(true);
      expect(since().filter((r) => r.body.response_format).length).toBeGreaterThan(0);
    });

    it(`${w.name}: without a model, the engine's offers in chat, no assistant; the runtime's order hooks`, async () => {
      const rt = w.build({ LOG_LEVEL: "error" });
      expect(rt.llm).toBeUndefined();
      expect(rt.assistant).toBeUndefined();
      expect(rt.chatOffers).toBe(engineChatOffers);
      expect(rt.orderHooks).toBe(runtimeOrderHooks);
      expect(rt.deps.orderHooks).toBe(runtimeOrderHooks);
      expect(rt.orderHooks.order.map((h) => h.hook)).toEqual(offerOrderHooks.order.map((h) => h.hook));
      expect(rt.orderHooks.refund).toEqual(offerOrderHooks.refund);
      // The app answers on the runtime's database.
      const res = await rt.app.request("/v1/program", { headers: { authorization: "Bearer nope" } });
      expect(res.status).toBe(401);
    });
  }

  it("jobs and deliveries run on the runtime's database (Workers' hourly and queue paths)", async () => {
    const rt = wirings[1]!.build({ LOG_LEVEL: "error" });
    const now = shop.s.clock.now();
    expect(await rt.jobs.hourly(now)).toEqual({ campaignsStarted: 0, journeyStepsQueued: 0, surveysQueued: 0 });
    const batch = await rt.deliveries.batch({ maxMs: 1000 });
    expect(batch.left).toEqual({ pending: 0, due: 0, nextDueAt: null });
    expect(batch.now).toEqual(now);
  });
});
