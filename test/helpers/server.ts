/** The real app on a real HTTP server over loopback, with a fake clock and a test database. */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp, type AppPlugin } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { silentLogger, type Logger } from "../../src/lib/log.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { runtimeOrderHooks } from "../../src/runtime/hooks.ts";
import { budgetSendGuard } from "../../src/budget/guard.ts";
import { openTestDatabase, type TestDatabase } from "./db.ts";

export interface TestServer {
  url: string;
  database: TestDatabase;
  clock: FakeClock;
  config: Config;
  /** A merchant with its API key. */
  merchant(name?: string): Promise<{ merchantId: string; apiKey: string; api: Api }>;
  close(): Promise<void>;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type Api = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResponse<T>>;

export function apiClient(url: string, apiKey?: string): Api {
  return async (method, path, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (apiKey) h.authorization = `Bearer ${apiKey}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await fetch(url + path, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
}

export async function startTestServer(
  opts: {
    env?: Record<string, string>;
    plugins?: AppPlugin[];
    logger?: Logger;
    clock?: FakeClock;
    database?: TestDatabase;
  } = {},
): Promise<TestServer> {
  const database = opts.database ?? (await openTestDatabase());
  const clock = opts.clock ?? new FakeClock();
  const config = loadConfig({ LOG_LEVEL: "error", ...opts.env });
  // The runtime's order hooks (offers' code redemption and bonus reversal), as every runtime entry injects them.
  const deps = {
    config,
    db: database.db,
    clock,
    logger: opts.logger ?? silentLogger,
    orderHooks: runtimeOrderHooks,
    sendGuard: budgetSendGuard,
  };
  const app = createApp(deps, opts.plugins ?? []);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    database,
    clock,
    config,
    async merchant(name = "Test shop") {
      const m = await createMerchant(database.db, { name });
      return { ...m, api: apiClient(url, m.apiKey) };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!opts.database) await database.close();
    },
  };
}
