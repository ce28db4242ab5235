/**
 * CLI commands next to a running server on the embedded database (issue 14): `campaigns send` to a fake Telegram
 * Bot API finishes while `/healthz` keeps answering promptly (the server does the work; its database is never
 * lent), and `merchant create`, `orders import` and `recs build` run in the server too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli, startCli } from "../helpers/cli.ts";
import { startNodeServer, type RunningServer } from "../helpers/node-server.ts";
import { waitFor } from "../helpers/wait.ts";
import { FakeTelegramServer, telegramTextUpdate } from "../fakes/telegram-server.ts";

const SECRET = "cli-next-secret-0123456789";
let dir: string;
let dataDir: string;
let tg: FakeTelegramServer;
let server: RunningServer;
let shop: { merchantId: string; apiKey: string };

const env = () => ({
  DATA_DIR: dataDir,
  DATABASE_URL: "",
  DEMO_SEED: "false",
  TELEGRAM_BOT_TOKEN: tg.token,
  TELEGRAM_API_ROOT: tg.url,
  TELEGRAM_WEBHOOK_SECRET: SECRET,
  TELEGRAM_BROADCAST_RATE: "20",
});

const api = async (method: string, p: string, body?: unknown) => {
  const r = await fetch(`${server.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${shop.apiKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-cli-next-"));
  dataDir = path.join(dir, "data");
  tg = await FakeTelegramServer.start();
  server = await startNodeServer(env());
});
afterAll(async () => {
  await server?.stop();
  await tg?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("CLI next to a running embedded server", () => {
  it("merchant create runs in the server, which knows the new key at once", async () => {
    const r = await runCli(["merchant", "create", "--name", "Next door", "--json"], env());
    expect(r.code, r.stderr).toBe(0);
    shop = JSON.parse(r.stdout) as typeof shop;
    expect((await api("GET", "/v1/program")).status).toBe(200);
  });

  it("campaigns send delivers through the fake Bot API; /healthz stays responsive all along", {
    timeout: 240_000,
  }, async () => {
    // Three members linked on Telegram through the server's own webhook (/start <code> also opts them in).
    for (let i = 0; i < 3; i++) {
      const m = await api("POST", "/v1/members", { phone: `09880000${10 + i}`, name: `Member ${i}` });
      expect(m.status).toBe(201);
      const code = await api("POST", `/v1/members/${m.body.id}/link-codes`);
      expect(code.status).toBe(201);
      const hook = await fetch(`${server.url}/webhooks/telegram`, {
        method: "POST",
        headers: { "content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET },
        body: JSON.stringify(telegramTextUpdate(`/start ${code.body.code}`, { id: 880_000 + i })),
      });
      expect(hook.status).toBe(200);
    }
    const seg = await api("POST", "/v1/segments", { name: "everyone", rule: { all: [] } });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    const c = await api("POST", "/v1/campaigns", {
      name: "hello",
      segmentId: seg.body.id,
      message: { vi: "Chào {{firstName}}!", en: "Hi {{firstName}}!" },
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const before = tg.succeeded("sendMessage").length;

    const cli = startCli(["campaigns", "send", String(c.body.id), "--json"], env());
    let stdout = "";
    let stderr = "";
    cli.stdout!.on("data", (d) => (stdout += d));
    cli.stderr!.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));

    // While the CLI runs, /healthz is polled back to back: every answer must come quickly.
    const latencies: number[] = [];
    while (running) {
      const t = performance.now();
      const r = await fetch(`${server.url}/healthz`);
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      latencies.push(performance.now() - t);
    }
    expect(await exited, stderr).toBe(0);
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(2_000);

    const out = JSON.parse(stdout.trim().split("\n").pop()!) as { status: string; counts: Record<string, number> };
    expect(out.status).toBe("done");
    expect(out.counts.recipients).toBe(3);
    expect(out.counts.sent).toBe(3);
    await waitFor("the three campaign messages at the fake Bot API", async () => {
      const texts = tg
        .succeeded("sendMessage")
        .slice(before)
        .map((x) => String(x.payload.text));
      return texts.filter((t) => /^(Chào|Hi) Member/.test(t)).length >= 3;
    });
  });

  it("orders import and recs build run as server jobs; the server answers meanwhile and sees the result", async () => {
    const csv = path.join(dir, "orders.csv");
    const rows = ["order_id,item,unit_price"];
    for (let i = 0; i < 40; i++) {
      // Half the baskets are A+B, half C+D: A→B has lift 2.
      rows.push(`IMP-${i},SKU-${i < 20 ? "A" : "C"},10000`);
      rows.push(`IMP-${i},SKU-${i < 20 ? "B" : "D"},20000`);
    }
    writeFileSync(csv, rows.join("\n") + "\n");
    const imp = await runCli(["orders", "import", csv, "--merchant", shop.merchantId, "--json"], env());
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ orders: 40, imported: 40, rejected: [] });
    const again = await runCli(["orders", "import", csv, "--merchant", shop.merchantId, "--json"], env());
    expect(JSON.parse(again.stdout)).toMatchObject({ orders: 40, imported: 0, unchanged: 40 });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const build = await runCli(["recs", "build", "--merchant", shop.merchantId, "--json"], env());
    expect(build.code, build.stderr).toBe(0);
    expect(JSON.parse(build.stdout)).toMatchObject({ status: "built", transactions: 40 });
    const recs = await api("GET", "/v1/products/SKU-A/recommendations");
    expect(recs.status).toBe(200);
    expect((recs.body.items as { sku: string }[]).map((x) => x.sku).sort()).toEqual(["SKU-B"]);
  }, 240_000);

  it("products import runs in the server: one bad row rejects the file (exit 1), a good file sets the prices", async () => {
    const catalog = path.join(dir, "products.csv");
    writeFileSync(catalog, "sku,name,list_price\nSKU-A,Cà phê,25000\nSKU-B,Bánh,abc\n");
    const bad = await runCli(["products", "import", catalog, "--merchant", shop.merchantId], env());
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/lines\.3\.list_price/);
    writeFileSync(catalog, "sku,name,list_price\nSKU-A,Cà phê,25000\nSKU-B,Bánh,30000\n");
    const good = await runCli(["products", "import", catalog, "--merchant", shop.merchantId, "--json"], env());
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ imported: 2 });
  }, 240_000);

  it("bad input through the server still exits 2 with one line", async () => {
    const unknown = await runCli(["recs", "build", "--merchant", "mer_nope"], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("error: no merchant mer_nope");
    const missing = await runCli(
      ["orders", "import", path.join(dir, "nope.csv"), "--merchant", shop.merchantId],
      env(),
    );
    expect(missing.code).toBe(2);
  });
});
