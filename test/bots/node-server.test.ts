/** `npm start` (src/node.ts) with the chat channels: fake Telegram / Zalo Bot APIs, the demo shop, real HTTP. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramServer, TELEGRAM_TEST_TOKEN, telegramTextUpdate } from "../fakes/telegram-server.ts";
import { FakeZaloServer, ZALO_TEST_TOKEN, zaloTextUpdate } from "../fakes/zalo-server.ts";
import { waitFor } from "../helpers/wait.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "chat-node-"));
let tg: FakeTelegramServer;
let zalo: FakeZaloServer;
let child: ChildProcess | undefined;
let url = "";
let apiKey = "";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  tg = await FakeTelegramServer.start();
  zalo = await FakeZaloServer.start();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(TELEGRAM_|ZALO_|LLM_|DATABASE_URL|PORT|DEFAULT_MERCHANT_ID)/.test(k),
    ),
  );
  child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "src/node.ts"], {
    cwd: root,
    env: {
      ...clean,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      TELEGRAM_BOT_TOKEN: TELEGRAM_TEST_TOKEN,
      TELEGRAM_API_ROOT: tg.url,
      TELEGRAM_WEBHOOK_SECRET: "node-secret_123",
      ZALO_BOT_TOKEN: ZALO_TEST_TOKEN,
      ZALO_API_ROOT: zalo.url,
      ZALO_WEBHOOK_SECRET: "node-zalo-secret",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stderr += d)); // the start banner
  apiKey = await waitFor(
    "the server to print its API key and answer /healthz",
    async () => {
      if (child!.exitCode !== null) throw new Error(`server did not start:\n${stderr}`);
      const key = /API key:\s+(ck_live_\w+)/.exec(stderr)?.[1];
      return key &&
        (await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ))
        ? key
        : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200, detail: () => stderr }, // the demo seed is slow on a loaded machine
  );
}, 150_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((resolve) => child!.once("close", resolve));
  }
  await tg.close();
  await zalo.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = (method: string, path: string, body?: unknown) =>
  fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

describe("npm start with the chat channels", () => {
  it("registers the commands at start, links a Telegram chat of the demo shop with a deep link and answers /points", async () => {
    await tg.waitForCount((c) => c.method === "setMyCommands" && c.ok, 3, 10_000);
    // Demo members in Vietnamese (one demo member speaks English).
    const member = (await api("GET", "/v1/members?limit=10")).body.members.filter(
      (m: { language: string }) => m.language === "vi",
    )[0];
    const code = await api("POST", `/v1/members/${member.id}/link-codes`);
    expect(code.status).toBe(201);
    expect(code.body.telegramLink).toBe(`https://t.me/loyalty_test_bot?start=${code.body.code}`);
    const post = (update: unknown, secret = "node-secret_123") =>
      fetch(`${url}/webhooks/telegram`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
        body: JSON.stringify(update),
      });
    expect((await post(telegramTextUpdate(`/start ${code.body.code}`, { id: 9001 }), "wrong")).status).toBe(401);
    expect((await post(telegramTextUpdate(`/start ${code.body.code}`, { id: 9001 }))).status).toBe(200);
    expect((await post(telegramTextUpdate("/points", { id: 9001 }))).status).toBe(200);
    const texts = tg
      .succeeded("sendMessage")
      .filter((c) => c.chatId === "9001")
      .map((c) => String(c.payload.text));
    expect(texts[0]).toContain("liên kết thành công");
    expect(texts.at(-1)).toMatch(/^Dạ, bạn đang có [\d.]+ điểm\./);
    const after = await api("GET", `/v1/members/${member.id}`);
    expect(after.body.channels).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: "telegram", userId: "9001" })]),
    );
  });

  it("serves the Zalo webhook and the simulator; /offers lists the offers engine's offers", async () => {
    const members = (await api("GET", "/v1/members?limit=10")).body.members.filter(
      (m: { language: string }) => m.language === "vi",
    );
    const code = (await api("POST", `/v1/members/${members[1].id}/link-codes`)).body.code;
    const r = await fetch(`${url}/webhooks/zalo`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-bot-api-secret-token": "node-zalo-secret" },
      body: JSON.stringify({ ok: true, result: zaloTextUpdate(code, { id: "zalo-node-1" }) }),
    });
    expect(r.status).toBe(200);
    await zalo.waitFor((c) => c.method === "sendMessage" && c.ok && c.chatId === "zalo-node-1", 10_000);
    const page = await fetch(`${url}/simulator`);
    expect(page.status).toBe(200);
    const simCode = (await api("POST", `/v1/members/${members[2].id}/link-codes`)).body.code;
    const say = (text: string) =>
      fetch(`${url}/simulator/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ clientId: "node-sim-client-0001", text }),
      }).then(async (res) => (await res.json()) as { messages: { text: string; buttons?: { data: string }[][] }[] });
    await say(`/start ${simCode}`);
    const offers = await say("/offers");
    const text = offers.messages[0]!.text;
    // The demo shop has order history, so the offers engine has something to offer (or says there is nothing).
    expect(text.startsWith("Dạ, ưu đãi dành riêng cho bạn:") || text.startsWith("Dạ, hiện chưa có ưu đãi riêng")).toBe(
      true,
    );
    for (const b of (offers.messages[0]!.buttons ?? []).flat()) expect(b.data).toMatch(/^oc:/);
  });
});
