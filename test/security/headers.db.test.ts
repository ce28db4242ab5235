/** Security headers on every HTML page, `Cache-Control: no-store` on member data, the API document cacheable. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkCode, setupShop, startBotHarness, type BotHarness, type Shop } from "../bots/harness.ts";

let h: BotHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startBotHarness({ env: { TELEGRAM_BOT_TOKEN: "", ZALO_BOT_TOKEN: "" } });
  shop = await setupShop(h.s);
});
afterAll(async () => h?.close());

describe("security headers", () => {
  it.each(["/simulator"])("%s sends CSP with frame-ancestors, nosniff and a Referrer-Policy", async (path) => {
    const r = await fetch(h.s.url + path);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
  });

  it("member data is never cached; the OpenAPI document may be", async () => {
    const member = await shop.api("GET", `/v1/members/${shop.memberId}`);
    expect(member.status).toBe(200);
    expect(member.headers.get("cache-control")).toBe("no-store");
    const list = await shop.api("GET", "/v1/members");
    expect(list.headers.get("cache-control")).toBe("no-store");
    const missing = await shop.api("GET", "/v1/members/mem_nope");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("cache-control")).toBe("no-store");
    const code = await linkCode(shop);
    const sim = await fetch(`${h.s.url}/simulator/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId: "headers-client-0001", text: `/start ${code}` }),
    });
    expect(sim.status).toBe(200);
    expect(sim.headers.get("cache-control")).toBe("no-store");
    const doc = await fetch(`${h.s.url}/v1/openapi.json`);
    expect(doc.headers.get("cache-control")).toBeNull();
    expect(doc.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
