/**
 * `npm start` with LLM_PROVIDER=openai-compatible pointed at the fake OpenAI-compatible server: free text in the
 * simulator is answered by the model through the member's tools, /offers texts are phrased (or fall back to the
 * engine's), usage shows up in GET /v1/llm/usage, and the log says which path answered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FakeOpenAIServer, type RecordedChatRequest, type ScriptedReply } from "../fakes/openai-server.ts";
import { startNodeServer, type RunningServer } from "../helpers/node-server.ts";

let dir: string;
let fake: FakeOpenAIServer;
let s: RunningServer;
let key: string;

/** The fake model: phrasing requests get JSON, answers call get_balance and then quote it. */
function fakeModel(req: RecordedChatRequest): ScriptedReply {
  const messages = req.body.messages as { role: string; content: string | null }[];
  if (req.body.response_format) {
    const facts = JSON.parse(/(\{[\s\S]*\})\s*\n\nQuy tắc/.exec(messages[0]!.content ?? "")![1]!) as {
      products: { name: string }[];
      reward?: string;
      bundleName?: string;
    };
    const what = facts.products[0]?.name ?? facts.bundleName ?? facts.reward ?? "";
    return { json: { text: `{{firstName}} ơi, ${what} đang chờ bạn, ghé quán nhé!`, language: "vi" } };
  }
  const last = messages.at(-1)!;
  if (last.role !== "tool")
    return { toolCalls: [{ name: /ưu đãi/.test(last.content ?? "") ? "list_offers" : "get_balance", arguments: {} }] };
  const out = JSON.parse(last.content ?? "{}") as { balance?: string; offers?: { id: string; text: string }[] };
  if (out.offers) {
    offersShown.push(out.offers);
    return { text: "Dạ, bạn xem ưu đãi của quán nhé." };
  }
  return { text: `Dạ, bạn đang có ${out.balance} điểm ạ.` };
}
/** What list_offers gave the model, per call. */
const offersShown: { id: string; text: string }[][] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-llm-"));
  fake = await FakeOpenAIServer.start({ apiKey: "sk-local" });
  fake.setDefault(fakeModel);
  s = await startNodeServer({
    DATA_DIR: path.join(dir, "data"),
    DATABASE_URL: "",
    LLM_PROVIDER: "openai-compatible",
    LLM_BASE_URL: fake.baseURL,
    LLM_MODEL: "qwen-test",
    LLM_API_KEY: "sk-local",
  });
  key = /API key:\s+(ck_live_\w+)/.exec(s.stderr())![1]!;
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = async (method: string, p: string, body?: unknown) => {
  const r = await fetch(s.url + p, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as any };
};
const say = async (clientId: string, text: string) => {
  const r = await fetch(`${s.url}/simulator/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ clientId, text }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { messages: { text: string; buttons?: unknown }[] }).messages;
};

describe("node entry with an OpenAI-compatible model", () => {
  it("answers free text with the model and the member's tools; phrases offers; counts usage", async () => {
    const members = (await api("GET", "/v1/members")).body.members as {
      id: string;
      points: { balance: number };
      language: string;
    }[];
    const m = members.find((x) => x.points.balance > 0 && x.language === "vi")!;
    const code = (await api("POST", `/v1/members/${m.id}/link-codes`)).body.code as string;
    const clientId = "llm-wiring-client-0001";
    await say(clientId, `/start ${code}`);

    const [answer] = await say(clientId, "mình còn bao nhiêu điểm vậy?");
    const balance = (await api("GET", `/v1/members/${m.id}`)).body.points.balance as number;
    expect(answer!.text).toBe(`Dạ, bạn đang có ${balance.toLocaleString("de-DE")} điểm ạ.`);
    const chats = fake.chatRequests().filter((r) => !r.body.response_format);
    expect(chats.length).toBe(2);
    expect(chats[0]!.body.model).toBe("qwen-test");
    expect(JSON.stringify(chats[0]!.body.tools)).toContain("get_balance");

    const offers = await say(clientId, "/offers");
    expect(fake.chatRequests().filter((r) => r.body.response_format).length).toBeGreaterThan(0);
    expect(offers[0]!.text).toContain("đang chờ bạn, ghé quán nhé!");

    // The assistant's list_offers reads the engine's own texts: no phrasing call inside the answer (the Worker and
    // polling build the same runtime: test/runtime/).
    const before = fake.chatRequests().length;
    const [offerAnswer] = await say(clientId, "quán có ưu đãi gì cho mình không?");
    expect(offerAnswer!.text).toBe("Dạ, bạn xem ưu đãi của quán nhé.");
    expect(
      fake
        .chatRequests()
        .slice(before)
        .filter((r) => r.body.response_format),
    ).toHaveLength(0);
    expect(offersShown).toHaveLength(1);
    expect(offersShown[0]!.length).toBeGreaterThan(0);
    for (const o of offersShown[0]!) expect(o.text).not.toContain("đang chờ bạn, ghé quán nhé!");
    const engine = (await api("GET", `/v1/members/${m.id}/offers`)).body;
    expect(JSON.stringify(engine)).toContain(offersShown[0]![0]!.id);

    const usage = (await api("GET", "/v1/llm/usage")).body;
    expect(usage.model).toEqual({ configured: true, name: "openai-compatible:qwen-test" });
    const answers = usage.days.find((d: { task: string }) => d.task === "answer");
    expect(answers).toMatchObject({ calls: 2, modelReplies: 2 });
    const logs = s
      .stderr()
      .split("\n")
      .filter((l) => l.includes('"msg":"llm"'))
      .map((l) => JSON.parse(l));
    expect(logs).toContainEqual(expect.objectContaining({ task: "answer", llmPath: "model" }));
    // The customer's words are never logged.
    expect(s.stderr()).not.toContain("bao nhiêu điểm vậy");
  }, 60_000);
});
