import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeTelegramServer, TELEGRAM_TEST_TOKEN } from "../fakes/telegram-server.ts";
import { FakeZaloServer, ZALO_TEST_TOKEN } from "../fakes/zalo-server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
let tg: FakeTelegramServer;
let zalo: FakeZaloServer;

beforeAll(async () => {
  tg = await FakeTelegramServer.start();
  zalo = await FakeZaloServer.start();
});
afterAll(async () => {
  await tg.close();
  await zalo.close();
});
beforeEach(() => {
  tg.reset();
  zalo.reset();
});

function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(TELEGRAM_|ZALO_|PUBLIC_URL)/.test(k)),
    );
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "src/cli/main.ts", ...args], {
      cwd: root,
      env: { ...clean, NO_COLOR: "1", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const bots = () => ({
  TELEGRAM_BOT_TOKEN: TELEGRAM_TEST_TOKEN,
  TELEGRAM_API_ROOT: tg.url,
  TELEGRAM_WEBHOOK_SECRET: "tg-secret_0123456789",
  ZALO_BOT_TOKEN: ZALO_TEST_TOKEN,
  ZALO_API_ROOT: zalo.url,
  ZALO_WEBHOOK_SECRET: "zalo-secret-0123456789",
});

describe("channels CLI", () => {
  it("--help documents set-webhook", async () => {
    const r = await cli({}, "channels", "set-webhook", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--channel telegram|zalo|all");
  });

  it("set-webhook sets both webhooks with their secrets through the API roots", async () => {
    const r = await cli(bots(), "channels", "set-webhook", "--url", "https://loyalty.example.com/", "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { channels: { channel: string; ok: boolean; url: string }[] };
    expect(out.channels.map((c) => [c.channel, c.ok, c.url])).toEqual([
      ["telegram", true, "https://loyalty.example.com/webhooks/telegram"],
      ["zalo", true, "https://loyalty.example.com/webhooks/zalo"],
    ]);
    expect(tg.succeeded("setWebhook")[0]?.payload).toMatchObject({
      url: "https://loyalty.example.com/webhooks/telegram",
      secret_token: "tg-secret_0123456789",
      allowed_updates: ["message", "callback_query", "my_chat_member"],
    });
    expect(tg.succeeded("setMyCommands")).toHaveLength(3);
    expect(zalo.webhook).toMatchObject({
      url: "https://loyalty.example.com/webhooks/zalo",
      secret_token: "zalo-secret-0123456789",
    });
    expect(r.stdout).not.toContain(TELEGRAM_TEST_TOKEN.split(":")[1]!);
  });

  it("--channel telegram only touches Telegram; bad usage exits 2", async () => {
    const r = await cli(bots(), "channels", "set-webhook", "--url", "https://h.example", "--channel", "telegram");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^telegram: ok/);
    expect(zalo.callsOf()).toHaveLength(0);
    expect((await cli(bots(), "channels", "set-webhook")).code).toBe(2);
    expect((await cli(bots(), "channels", "set-webhook", "--url", "http://insecure.example")).code).toBe(2);
    expect((await cli(bots(), "channels", "set-webhook", "--url", "https://h.example", "--channel", "sms")).code).toBe(
      2,
    );
    expect((await cli({}, "channels", "set-webhook", "--url", "https://h.example", "--channel", "zalo")).code).toBe(2);
  });

  it("a platform refusal exits 1 with the reason, without the token", async () => {
    tg.failNext("setWebhook", { status: 400, description: "Bad Request: bad webhook: Failed to resolve host" });
    const r = await cli(bots(), "channels", "set-webhook", "--url", "https://h.example", "--channel", "telegram");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Failed to resolve host");
    expect(r.stdout + r.stderr).not.toContain(TELEGRAM_TEST_TOKEN);
  });

  it("info shows getMe and getWebhookInfo per bot", async () => {
    const r = await cli(bots(), "channels", "info");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.telegram.me.username).toBe("loyalty_test_bot");
    expect(out.telegram.botId).toBe("1234567890");
    expect(out.zalo.me.account_name).toBe("bot.LoyaltyTest");
    expect(r.stdout).not.toContain(TELEGRAM_TEST_TOKEN);
  });
});
