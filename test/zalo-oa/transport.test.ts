// The Zalo transport on Node: the undici pool reuses keep-alive connections (bounded per host), times out, and
// retries idempotent reads (GET) but never a POST; the fetch transport reports failures the same way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import { fetchTransport, ZaloHttp, ZaloTransportError } from "../../src/channels/zalo-http.ts";
import { undiciTransport } from "../../src/channels/zalo-http-undici.ts";
import { delay, sendJson, startHttpServer, type StartedHttpServer } from "../fakes/http.ts";
import { readBodyKeepAlive } from "../fakes/zalo-oa-server.ts";

let server: StartedHttpServer;
const sockets = new Set<Socket>();
let failNext = 0;
let hits = 0;

beforeAll(async () => {
  server = await startHttpServer(async (req, res) => {
    hits++;
    sockets.add(req.socket);
    await readBodyKeepAlive(req);
    if (req.url === "/slow") await delay(500);
    if (failNext > 0) {
      failNext--;
      req.socket.destroy();
      return;
    }
    sendJson(res, 200, { error: 0, method: req.method });
  });
  server.server.keepAliveTimeout = 30_000; // undici reuses a socket only below the server's keep-alive hint − 2 s
});
afterAll(async () => {
  await server?.close();
});

describe("Zalo transports", () => {
  it("undici: 50 parallel posts reuse at most `connections` sockets", async () => {
    const t = undiciTransport({ connections: 4 });
    const http = new ZaloHttp(t);
    sockets.clear();
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) => http.postJson(`${server.url}/p`, { i }, { timeoutMs: 5000 })),
    );
    expect(all.every((r) => r.status === 200 && JSON.parse(r.text).method === "POST")).toBe(true);
    expect(sockets.size).toBeGreaterThan(0);
    expect(sockets.size).toBeLessThanOrEqual(4);
    await t.close();
  });

  it("undici: a GET is retried after a dropped connection; a POST is not", async () => {
    const t = undiciTransport({ readRetries: 2 });
    const http = new ZaloHttp(t);
    failNext = 1;
    hits = 0;
    const r = await http.getJson(`${server.url}/g`, { timeoutMs: 5000 });
    expect(r.status).toBe(200);
    expect(hits).toBe(2);
    failNext = 1;
    hits = 0;
    const err = await http.postJson(`${server.url}/p`, {}, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZaloTransportError);
    expect((err as ZaloTransportError).kind).toBe("network");
    expect(hits).toBe(1);
    await t.close();
  });

  it("both transports report a timeout as kind 'timeout'", async () => {
    for (const t of [undiciTransport({ readRetries: 0 }), fetchTransport()]) {
      const err = await new ZaloHttp(t).postJson(`${server.url}/slow`, {}, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err, t.name).toBeInstanceOf(ZaloTransportError);
      expect((err as ZaloTransportError).kind, t.name).toBe("timeout");
      await t.close();
    }
  });
});
