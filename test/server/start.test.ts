/** `npm start` on an empty embedded database: demo seed, API key printed once, JSON logs, graceful shutdown. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startNodeServer } from "../helpers/node-server.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-start-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("server start on the embedded database", () => {
  it("keeps compiled modules in Node's on-disk cache (the OS temp folder by default) once it is up", async () => {
    // No NODE_COMPILE_CACHE (with it, Node would cache on its own): the entry switches the cache on itself.
    expect(process.env.NODE_COMPILE_CACHE).toBeUndefined();
    const tmp = path.join(dir, "tmp");
    mkdirSync(tmp);
    const s = await startNodeServer({ DATA_DIR: path.join(dir, "cache-data"), DATABASE_URL: "", TMPDIR: tmp });
    try {
      // Written when the server is up, not at exit (a server is usually stopped by a signal).
      const cached = readdirSync(path.join(tmp, "node-compile-cache"), { recursive: true, withFileTypes: true });
      expect(cached.filter((e) => e.isFile()).length).toBeGreaterThan(100);
    } finally {
      await s.stop();
    }
  });

  it("seeds a labelled demo shop once, prints its key and URLs, logs JSON with request ids, stops gracefully", async () => {
    const env = { DATA_DIR: path.join(dir, "data"), DATABASE_URL: "" };
    const s = await startNodeServer(env);
    const out = s.stderr();
    const key = /API key:\s+(ck_live_\w+)/.exec(out)?.[1];
    expect(key).toBeTruthy();
    expect(out).toContain("DEMO");
    expect(out).toContain("/simulator");
    const members = await fetch(`${s.url}/v1/members`, { headers: { authorization: `Bearer ${key}` } });
    expect(members.status).toBe(200);
    const body = (await members.json()) as { members: { name: string; points: { balance: number } }[] };
    expect(body.members.length).toBeGreaterThanOrEqual(5);
    expect(body.members.some((m) => m.points.balance > 0)).toBe(true);
    const rewards = (await (
      await fetch(`${s.url}/v1/rewards`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { rewards: unknown[] };
    expect(rewards.rewards.length).toBeGreaterThan(0);
    // JSON access logs with request ids; the key itself never appears in a log line.
    const logLines = s
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    const access = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(access.length).toBeGreaterThan(0);
    expect(access[0].requestId).toMatch(/^req_/);
    expect(logLines.join("\n")).not.toContain(key!);
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(s.stderr()).toContain('"msg":"stopped"');

    // Second start: a merchant exists, so no second demo shop.
    const again = await startNodeServer(env);
    expect(again.stderr()).not.toContain("API key:");
    const stillWorks = await fetch(`${again.url}/v1/members`, { headers: { authorization: `Bearer ${key}` } });
    expect(stillWorks.status).toBe(200);
    expect(await again.stop()).toBe(0);
  }, 120_000);
});
