/** `/` landing page, `/docs` reference page and assets, `/metrics` content and access rules, over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let open: TestServer;
let guarded: TestServer;
beforeAll(async () => {
  open = await startTestServer();
  // Same database (one PGlite start), another config.
  guarded = await startTestServer({ env: { METRICS_TOKEN: "metrics-secret-123" }, database: open.database });
}, 120_000);
afterAll(async () => {
  await guarded?.close();
  await open?.close();
});

describe("landing page and reference", () => {
  it("serves / as HTML linking the console, simulator, reference and health, with page security headers", async () => {
    const r = await fetch(`${open.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await r.text();
    for (const href of ['href="/console"', 'href="/simulator"', 'href="/docs"', 'href="/healthz"'])
      expect(html).toContain(href);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3)/); // no CDN
  });

  it("serves /docs with a script-src 'self' CSP; the assets come from this origin (no app-level assets here: 404)", async () => {
    const r = await fetch(`${open.url}/docs`);
    expect(r.status).toBe(200);
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(/script-src ([^;]*)/.exec(csp)?.[1]).toBe("'self'"); // scripts never inline
    const html = await r.text();
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    const init = await fetch(`${open.url}/docs/init.js`);
    expect(await init.text()).toContain('url: "/v1/openapi.json"');
    // The in-process test app has no asset reader (like a Worker without Static Assets): a plain 404.
    expect((await fetch(`${open.url}/docs/assets/swagger-ui-bundle.js`)).status).toBe(404);
  });
});

describe("/metrics", () => {
  it("counts requests by route pattern and status, latency, and orders; open to loopback without a token", async () => {
    const m = await open.merchant();
    await m.api("POST", "/v1/members", { phone: "0912000111", name: "A" });
    const order = await m.api("POST", "/v1/orders", {
      externalId: "o-1",
      phone: "0912000111",
      amount: 120000,
      placedAt: "2026-01-05T10:00:00Z",
    });
    const r = await fetch(`${open.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toContain("# TYPE chatloyalty_http_requests_total counter");
    expect(text).toMatch(/chatloyalty_http_requests_total\{method="POST",route="\/v1\/members",status="201"\} \d+/);
    expect(text).toMatch(
      /chatloyalty_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/members",le="\+Inf"\} \d+/,
    );
    const outcome = order.status < 300 ? "accepted" : "rejected";
    expect(text).toMatch(new RegExp(`chatloyalty_orders_total\\{outcome="${outcome}"\\} \\d+`));
    expect(text).toContain("# TYPE chatloyalty_deliveries_total counter");
    expect(text).toContain("# TYPE chatloyalty_llm_calls_total counter");
    // Paths with ids are never labels.
    expect(text).not.toMatch(/route="\/v1\/members\/mem_/);
  });

  it("is refused to a proxied client without a token, and needs the token when METRICS_TOKEN is set", async () => {
    const proxied = await fetch(`${open.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(proxied.status).toBe(403);
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(403);
    const wrong = await fetch(`${guarded.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(403);
    const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: "Bearer metrics-secret-123" } });
    expect(ok.status).toBe(200);
  });
});
