/**
 * The first run (`npm start` on an empty embedded database): a taken port fails before anything is seeded; every
 * start prints the console, simulator (with a demo link code) and reference URLs to stdout; the CLI issues, lists
 * and revokes keys next to the running server.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.ts";
import { freePort, startNodeServer } from "../helpers/node-server.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-first-run-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("first run", () => {
  it("fails fast with one line on a taken port, before opening or seeding the database", async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, resolve));
    const dataDir = path.join(dir, "taken");
    try {
      const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "src/node.ts"], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (err += d));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).toBe(1);
      const lines = err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${port} is already in use`);
      expect(out).not.toContain("API key");
      // The data directory was never opened: no demo shop, no merchant.
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 60_000);

  it("prints the URLs on every start; the CLI issues, lists and revokes keys next to the running server", async () => {
    const env = { DATA_DIR: path.join(dir, "data"), DATABASE_URL: "", DEMO_SEED: "true" };
    const s = await startNodeServer(env);
    try {
      const out = s.stderr();
      expect(out).toContain("/console");
      expect(out).toContain("/docs");
      expect(out).toContain("/healthz");
      const key = /API key:\s+(ck_live_\w+)/.exec(out)?.[1];
      expect(key).toBeTruthy();
      const merchantId = /merchant (mer_\w+)/.exec(out)?.[1];
      expect(merchantId).toBeTruthy();
      const code = /\/simulator\?code=([A-Z0-9_-]+)/.exec(out)?.[1];
      expect(code).toBeTruthy();

      // The printed code links the simulator to a demo member (the page posts exactly this at load).
      const linked = await fetch(`${s.url}/simulator/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ clientId: "first-run-test-client", text: `/start ${code}` }),
      });
      expect(linked.status).toBe(200);
      const chat = (await linked.json()) as { messages: { text: string }[] };
      expect(chat.messages.map((m) => m.text).join("\n")).toMatch(/Nguyễn Văn Hoa|liên kết|linked/i);

      const list = await runCli(["merchants", "list", "--json"], env);
      expect(list.code).toBe(0);
      const merchants = JSON.parse(list.stdout).merchants as { id: string; isDemo: boolean; activeKeys: number }[];
      expect(merchants).toEqual([expect.objectContaining({ id: merchantId, isDemo: true, activeKeys: 1 })]);

      const issued = await runCli(["keys", "issue", "--merchant", merchantId!, "--json"], env);
      expect(issued.code).toBe(0);
      const newKey = JSON.parse(issued.stdout).apiKey as string;
      expect(newKey).toMatch(/^ck_live_/);
      const auth = (k: string) => ({ headers: { authorization: `Bearer ${k}` } });
      expect((await fetch(`${s.url}/v1/members`, auth(newKey))).status).toBe(200);

      const keys = await runCli(["keys", "list", "--merchant", merchantId!, "--json"], env);
      expect(keys.code).toBe(0);
      expect(keys.stdout).not.toContain(newKey);
      expect(keys.stdout).not.toContain(key!);
      const listed = JSON.parse(keys.stdout).keys as { prefix: string; revokedAt: string | null }[];
      expect(listed.map((k) => k.prefix).sort()).toEqual([key!.slice(0, 12), newKey.slice(0, 12)].sort());

      const revoked = await runCli(["keys", "revoke", "--merchant", merchantId!, "--key", newKey.slice(0, 12)], env);
      expect(revoked.code).toBe(0);
      expect((await fetch(`${s.url}/v1/members`, auth(newKey))).status).toBe(401);
      expect((await fetch(`${s.url}/v1/members`, auth(key!))).status).toBe(200);

      const again = await runCli(["keys", "revoke", "--merchant", merchantId!, "--key", newKey.slice(0, 12)], env);
      expect(again.code).toBe(1);
      expect(again.stderr.trim().split("\n")).toHaveLength(1);
      expect(again.stderr).toContain("already revoked");
      const unknown = await runCli(["keys", "issue", "--merchant", "mer_nope"], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: no merchant mer_nope/);
      expect((await runCli(["keys", "issue"], env)).code).toBe(2);
    } finally {
      expect(await s.stop()).toBe(0);
    }

    // A later start: no new key, but how to get one, and a fresh simulator link.
    const later = await startNodeServer(env);
    try {
      const out = later.stderr();
      expect(out).not.toMatch(/API key:\s+ck_live_/);
      expect(out).toContain("npm run cli -- keys issue --merchant mer_");
      expect(out).toMatch(/\/simulator\?code=[A-Z0-9_-]+/);
    } finally {
      expect(await later.stop()).toBe(0);
    }
  }, 300_000);
});
