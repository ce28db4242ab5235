/**
 * The OpenAPI document is bound to the routes: every route the app mounts (the /v1 API, the public routes and the
 * chat webhooks) has its operation in `GET /v1/openapi.json`, and every documented operation has a route.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { openApiDocument } from "../../src/http/openapi.ts";
import { createChannels } from "../../bots/index.ts";
import type { Db } from "../../src/db/types.ts";

/** Routes that are deliberately not API operations, each with the reason. */
const UNDOCUMENTED: Record<string, string> = {
  "GET /dashboard": "a redirect to the merchant console (/console), which replaced the old dashboard page",
  "GET /v1/openapi.json": "the document itself",
  "GET /card":
    "the loyalty card HTML page (Telegram Mini App / simulator); its data comes from the documented /card/api/*",
  "GET /": "the landing page (HTML) linking the console, simulator, reference and health",
  "GET /metrics": "Prometheus text exposition for the operator's scraper, not the merchant API",
  "GET /docs": "the interactive API reference page (Swagger UI over /v1/openapi.json)",
  "GET /docs/init.js": "the reference page's start-up script",
  "GET /docs/assets/:name": "the reference page's Swagger UI script and style (from npm, no CDN)",
  "GET /simulator": "the web chat simulator's HTML page, a demo of the chat channels",
  "GET /simulator/api/inbox": "the simulator page's own polling endpoint (the web chat channel), not the merchant API",
  "POST /simulator/api/messages": "the simulator page's own send endpoint (the web chat channel), not the merchant API",
  "POST /webhooks/telegram":
    "Telegram's Update format, defined and sent by Telegram, authenticated by its secret header",
  "POST /webhooks/zalo": "Zalo Bot API updates, defined and sent by Zalo, authenticated by its secret header",
};

/** The merchant console's HTML pages and form posts (session cookie, not the API key): not API operations. */
const isConsolePage = (op: string) => / \/console(\/|$)/.test(op);

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

/** Routes are only listed, never called: a database that throws if touched keeps this test fast. */
const db = new Proxy(
  {},
  {
    get: (_t, key) => {
      throw new Error(`the route listing touched the database (${String(key)})`);
    },
  },
) as Db;

/** The app as the Node entry builds it, with both chat channels configured so their webhooks are mounted. */
function fullApp() {
  const config = loadConfig({ LOG_LEVEL: "error", TELEGRAM_BOT_TOKEN: "123:abc", ZALO_BOT_TOKEN: "456:def" });
  const clock = new FakeClock();
  const channels = createChannels({ config, db: db, clock, logger: silentLogger });
  return createApp({ config, db: db, clock, logger: silentLogger, senders: channels.senders }, [channels.plugin]);
}

/** "GET /v1/members/:id" from Hono's route list; middleware (method ALL) and catch-alls are not operations. */
function mountedOperations(): Set<string> {
  const ops = new Set<string>();
  for (const r of fullApp().routes) {
    if (!METHODS.has(r.method.toLowerCase()) || r.path.endsWith("*")) continue;
    ops.add(`${r.method.toUpperCase()} ${r.path.replace(/\/$/, "") || "/"}`);
  }
  return ops;
}

/** "GET /v1/members/:id" from the document's "/v1/members/{id}" → get. */
function documentedOperations(): Set<string> {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  const ops = new Set<string>();
  for (const [p, item] of Object.entries(paths)) {
    for (const method of Object.keys(item)) {
      if (METHODS.has(method)) ops.add(`${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ":$1")}`);
    }
  }
  return ops;
}

describe("OpenAPI document and routes", () => {
  it("every mounted route is documented (or explicitly excluded with a reason)", () => {
    const documented = documentedOperations();
    const mounted = mountedOperations();
    expect(mounted.size).toBeGreaterThan(50);
    const missing = [...mounted]
      .filter((op) => !documented.has(op) && !(op in UNDOCUMENTED) && !isConsolePage(op))
      .sort();
    expect(missing, "routes without an OpenAPI operation").toEqual([]);
  });

  it("every documented operation has a route", () => {
    const mounted = mountedOperations();
    const orphans = [...documentedOperations()].filter((op) => !mounted.has(op)).sort();
    expect(orphans, "documented operations no route serves").toEqual([]);
  });

  it("the allow-list names only routes that exist and are not documented", () => {
    const mounted = mountedOperations();
    const documented = documentedOperations();
    const stale = Object.keys(UNDOCUMENTED).filter((op) => !mounted.has(op) || documented.has(op));
    expect(stale).toEqual([]);
  });
});
