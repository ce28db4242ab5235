import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeOpenAIServer } from "../fakes/openai-server.ts";

let llm: FakeOpenAIServer;

function chat(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${llm.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test", ...headers },
    body: JSON.stringify({
      model: "gpt-test",
      messages: [{ role: "user", content: "Tôi có bao nhiêu điểm?" }],
      ...body,
    }),
  });
}

async function readSse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((b) => b.trim())
    .filter((b) => b.startsWith("data: "))
    .map((b) => b.slice(6));
}

beforeAll(async () => {
  llm = await FakeOpenAIServer.start({ apiKey: "sk-test" });
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => llm.reset());

describe("fake OpenAI-compatible server", () => {
  it("lists models and rejects a wrong key", async () => {
    const m = (await (
      await fetch(`${llm.baseURL}/models`, { headers: { authorization: "Bearer sk-test" } })
    ).json()) as any;
    expect(m.object).toBe("list");
    expect(m.data.map((d: any) => d.id)).toContain("gpt-test");
    const bad = await chat({}, { authorization: "Bearer nope" });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).error.code).toBe("invalid_api_key");
  });

  it("replies with scripted text, usage and records the request", async () => {
    llm.reply("Bạn có 1.250 điểm.");
    const res = await chat({ temperature: 0 });
    const body = (await res.json()) as any;
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0].message).toMatchObject({ role: "assistant", content: "Bạn có 1.250 điểm." });
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    const rec = await llm.waitFor((r) => r.body.temperature === 0);
    expect(rec.body.messages).toHaveLength(1);
  });

  it("replies with tool calls and JSON content", async () => {
    llm.replyWithToolCalls([{ name: "get_balance", arguments: { memberId: "m1" } }]);
    llm.replyJson({ offers: [{ id: "o1" }] });
    const a = (await (await chat({ tools: [] })).json()) as any;
    expect(a.choices[0].finish_reason).toBe("tool_calls");
    expect(a.choices[0].message.content).toBeNull();
    const tc = a.choices[0].message.tool_calls[0];
    expect(tc).toMatchObject({ type: "function", function: { name: "get_balance" } });
    expect(JSON.parse(tc.function.arguments)).toEqual({ memberId: "m1" });
    const b = (await (await chat({ response_format: { type: "json_object" } })).json()) as any;
    expect(JSON.parse(b.choices[0].message.content)).toEqual({ offers: [{ id: "o1" }] });
  });

  it("produces malformed answers, errors and delays", async () => {
    llm.enqueue(
      { malformed: "invalid-json" },
      { malformed: "missing-choices" },
      { status: 500 },
      { status: 429, retryAfter: 2 },
      { text: "slow", delayMs: 150 },
    );
    await expect((await chat({})).json()).rejects.toThrow();
    expect(((await (await chat({})).json()) as any).choices).toBeUndefined();
    const e500 = await chat({});
    expect(e500.status).toBe(500);
    expect(((await e500.json()) as any).error.type).toBe("server_error");
    const e429 = await chat({});
    expect(e429.status).toBe(429);
    expect(e429.headers.get("retry-after")).toBe("2");
    const t0 = Date.now();
    expect(((await (await chat({})).json()) as any).choices[0].message.content).toBe("slow");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    // default reply once the queue is empty
    expect(((await (await chat({})).json()) as any).choices[0].message.content).toBe("OK");
  });

  it("streams text and tool calls as SSE with a usage chunk and [DONE]", async () => {
    llm.reply("Xin chào bạn, chúc một ngày tốt lành!");
    const events = await readSse(await chat({ stream: true, stream_options: { include_usage: true } }));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Xin chào bạn, chúc một ngày tốt lành!");
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);

    llm.replyWithToolCalls([{ name: "list_offers", arguments: { limit: 3 } }]);
    const ev2 = await readSse(await chat({ stream: true }));
    const c2 = ev2.slice(0, -1).map((e) => JSON.parse(e));
    const args = c2.map((c) => c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toEqual({ limit: 3 });
    expect(
      c2.find((c) => c.choices[0]?.delta?.tool_calls?.[0]?.function?.name)?.choices[0].delta.tool_calls[0].function
        .name,
    ).toBe("list_offers");
    expect(c2.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  it("supports per-request functions", async () => {
    llm.setDefault((req) => ({ text: `echo: ${(req.body.messages as any[]).at(-1).content}` }));
    expect(((await (await chat({})).json()) as any).choices[0].message.content).toBe("echo: Tôi có bao nhiêu điểm?");
  });
});
