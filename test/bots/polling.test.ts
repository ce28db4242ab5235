import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramServer, TELEGRAM_TEST_TOKEN, telegramTextUpdate } from "../fakes/telegram-server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "tg-polling-"));
let tg: FakeTelegramServer;
let child: ChildProcess | undefined;

beforeAll(async () => {
  tg = await FakeTelegramServer.start();
  tg.webhook = { url: "https://old.example/webhooks/telegram" };
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((resolve) => child!.once("close", resolve));
  }
  await tg.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm run dev:telegram (long polling)", () => {
  it("deletes the webhook, polls getUpdates through TELEGRAM_API_ROOT and answers with the same core", async () => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(TELEGRAM_|ZALO_|DATABASE_URL|PORT)/.test(k)),
    );
    child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "bots/telegram/polling.ts"], {
      cwd: root,
      env: {
        ...clean,
        TELEGRAM_BOT_TOKEN: TELEGRAM_TEST_TOKEN,
        TELEGRAM_API_ROOT: tg.url,
        DATA_DIR: dataDir,
        PORT: "0",
        DEMO_SEED: "false",
        LOG_LEVEL: "info",
        // The same runtime as `npm start`: with a model configured, free text goes to the assistant (never called
        // here: the chat is not linked, so it declines before any model call).
        LLM_PROVIDER: "openai-compatible",
        LLM_BASE_URL: "http://127.0.0.1:9/v1",
        LLM_MODEL: "qwen-test",
        LLM_API_KEY: "sk-local",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // grammY deletes the webhook again when polling starts; getUpdates is recorded only when a long poll returns.
    await tg
      .waitForCount((c) => c.method === "deleteWebhook" && c.ok, 2, 60_000)
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\n${stderr}`);
      });
    expect(tg.webhook).toBeUndefined();
    tg.pushUpdate(telegramTextUpdate("/help", { id: 4242 }));
    const sent = await tg.waitFor((c) => c.method === "sendMessage" && c.ok && c.chatId === "4242", 30_000);
    expect(String(sent.payload.text)).toContain("/points");

    // Free text reaches the LLM assistant (wired by the runtime), which declines for an unlinked chat.
    tg.pushUpdate(telegramTextUpdate("quán mình mở cửa mấy giờ vậy?", { id: 4242 }));
    await tg.waitForCount((c) => c.method === "sendMessage" && c.ok && c.chatId === "4242", 2, 30_000);
    const llmLines = stderr
      .split("\n")
      .filter((l) => l.includes('"msg":"llm"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(llmLines).toContainEqual(
      expect.objectContaining({ task: "answer", llmPath: "template", reason: "unlinked" }),
    );
  }, 120_000);
});
