/** The console's shop-connections page over real HTTP: connect, the URL and secret to paste, test event, log. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

async function signIn(apiKey: string): Promise<string> {
  const res = await post("/console/sign-in", { apiKey });
  return `cl_session=${/cl_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]}`;
}
const post = (path: string, data: Record<string, string>, cookie = "") =>
  fetch(s.url + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: s.url },
    body: new URLSearchParams(data).toString(),
    redirect: "manual",
  });
const get = (path: string, cookie: string) => fetch(s.url + path, { headers: { cookie }, redirect: "manual" });

describe("console: shop connections", () => {
  it("connects a platform, shows the webhook URL and secret once, sends a test event, lists deliveries", async () => {
    const a = await s.merchant("Shop A");
    const cookie = await signIn(a.apiKey);
    const page = await get("/console/integrations", cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('href="/console/integrations"');
    expect(html).toMatch(/name="secret" type="text" value="whk_/);

    const created = await post(
      "/console/integrations",
      { platform: "haravan", name: "Web", secret: "my-haravan-token-123", enrol: "1" },
      cookie,
    );
    expect(created.status).toBe(200);
    const body = await created.text();
    const url = /id="new-url">([^<]+)</.exec(body)?.[1];
    // Absolute (the console's own origin) even without PUBLIC_URL: the merchant pastes it as it is.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/haravan\/int_/);
    expect(body).toContain('id="new-secret">my-haravan-token-123<');
    const id = url!.split("/").pop()!;

    // The listing never shows the secret again.
    expect(await (await get("/console/integrations", cookie)).text()).not.toContain("my-haravan-token-123");

    const tested = await post(`/console/integrations/${id}/test`, {}, cookie);
    expect(tested.status).toBe(200);
    expect(await tested.text()).toContain("kết nối hoạt động");
    const log = await (await get(`/console/integrations/${id}`, cookie)).text();
    expect(log).toContain('data-outcome="ignored"');

    // Another merchant's session: 404 for the log and the test button.
    const b = await s.merchant("Shop B");
    const cookieB = await signIn(b.apiKey);
    expect((await get(`/console/integrations/${id}`, cookieB)).status).toBe(404);
    expect((await post(`/console/integrations/${id}/test`, {}, cookieB)).status).toBe(404);
  });

  it("a bad form shows the field errors in place and stores nothing", async () => {
    const a = await s.merchant();
    const cookie = await signIn(a.apiKey);
    const r = await post(
      "/console/integrations",
      { platform: "kiotviet", secret: "", clientId: "cid", clientSecret: "", retailer: "" },
      cookie,
    );
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('data-field="secret"');
    expect(html).toContain('data-field="clientSecret"');
    expect((await a.api("GET", "/v1/integrations")).body.integrations).toEqual([]);
  });
});
