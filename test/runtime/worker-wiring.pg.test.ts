/**
 * The Workers entry (src/worker.ts) run in-process against Postgres with an OpenAI-compatible model: free text in
 * the simulator is answered by the assistant, whose list_offers reads the offers engine's own texts — the same as
 * on Node (test/llm/node-wiring.test.ts) — with no phrasing call inside the answer, while /offers is phrased.
 * (test/workers/ runs the bundle in real workerd.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker, { type WorkerEnv } from "../../src/worker.ts";
import { listOffersForChat } from "../../src/offers/service.ts";
import { FakeOpenAIServer, type RecordedChatRequest, type ScriptedReply } from "../fakes/openai-server.ts";
import { startLlmShop, type LlmShop } from "../llm/helpers.ts";

const PHRASED = "đang chờ bạn, ghé quán nhé!";
let shop: LlmShop;
let fake: FakeOpenAIServer;
const offersShown: { id: string; text: string }[][] = [];

function fakeModel(req: RecordedChatRequest): ScriptedReply {
  const messages = req.body.messages as { role: string; content: string | null }[];
  if (req.body.response_format) {
    type Facts = { products: { name: string }[]; reward?: string; bundleName?: string };
    const facts = JSON.parse(/(\{[\s\S]*\})\s*\n\nQuy tắc/.exec(messages[0]!.content ?? "")![1]!) as Facts;
    const what = facts.products[0]?.name ?? facts.bundleName ?? facts.reward ?? "";
    return { json: { text: `{{firstName}} ơi, ${what} ${PHRASED}`, language: "vi" } };
  }
  const last = messages.at(-1)!;
  if (last.role !== "tool") return { toolCalls: [{ name: "list_offers", arguments: {} }] };
  offersShown.push((JSON.parse(last.content ?? "{}") as { offers: { id: string; text: string }[] }).offers);
  return { text: "Dạ, bạn xem ưu đãi của quán nhé." };
}

beforeAll(async () => {
  shop = await startLlmShop();
  fake = await FakeOpenAIServer.start({ apiKey: "sk-local" });
  fake.setDefault(fakeModel);
});
afterAll(async () => {
  await fake?.close();
  await shop?.close();
});

describe("Workers entry with an OpenAI-compatible model", () => {
  it("the assistant gets the engine's offers; /offers is phrased", async () => {
    const env: WorkerEnv = {
      DATABASE_URL: shop.s.database.url!,
      LOG_LEVEL: "error",
      LLM_PROVIDER: "openai-compatible",
      LLM_BASE_URL: fake.baseURL,
      LLM_MODEL: "qwen-test",
      LLM_API_KEY: "sk-local",
    };
    const deferred: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void deferred.push(p) };
    const say = async (text: string) => {
      const req = new Request("http://worker.test/simulator/api/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ clientId: "worker-wiring-client-01", text }),
      });
      const res = await worker.fetch(req, env, ctx);
      expect(res.status).toBe(200);
      return ((await res.json()) as { messages: { text: string }[] }).messages;
    };
    // The Worker runs on the system clock: the link code is issued at the same time.
    shop.s.clock.set(new Date());
    const code = (await shop.api("POST", `/v1/members/${shop.member.id}/link-codes`)).body.code as string;
    await say(`/start ${code}`);

    const before = fake.chatRequests().length;
    const [answer] = await say("quán có ưu đãi gì cho mình không?");
    expect(answer!.text).toBe("Dạ, bạn xem ưu đãi của quán nhé.");
    expect(
      fake
        .chatRequests()
        .slice(before)
        .filter((r) => r.body.response_format),
    ).toHaveLength(0);
    expect(offersShown).toHaveLength(1);
    const engine = await listOffersForChat(shop.db, shop.merchantId, shop.member.id, new Date());
    expect(offersShown[0]!.length).toBeGreaterThan(0);
    for (const o of offersShown[0]!) expect(engine).toContainEqual(expect.objectContaining({ id: o.id, text: o.text }));

    const offers = await say("/offers");
    expect(offers.map((m) => m.text).join("\n")).toContain(PHRASED);
    await Promise.all(deferred);
  });
});
