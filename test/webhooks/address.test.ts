/** The SSRF guard: which addresses and URLs an endpoint may use, and Node's transport refusing resolved private addresses. */
import { describe, expect, it } from "vitest";
import { isPrivateAddress, urlRefusal } from "../../src/webhooks/address.ts";
import { nodeWebhookPost } from "../../src/webhooks/node-post.ts";
import { allowPrivateUrls } from "../../src/webhooks/config.ts";
import { loadConfig } from "../../src/config.ts";
import { startReceiver } from "./receiver.ts";

describe("isPrivateAddress", () => {
  it.each([
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "[::1]",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1%eth0",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "64:ff9b::a00:1",
  ])("%s is private", (ip) => expect(isPrivateAddress(ip)).toBe(true));

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "example.com"])(
    "%s is not",
    (ip) => expect(isPrivateAddress(ip)).toBe(false),
  );
});

describe("urlRefusal", () => {
  it("accepts public http(s) URLs", () => {
    expect(urlRefusal("https://hooks.example.com/loyalty?x=1", false)).toBeUndefined();
    expect(urlRefusal("http://203.0.113.7:8080/x", false)).toBeUndefined();
  });
  it("refuses private hosts unless allowed, and never odd schemes or credentials", () => {
    for (const url of [
      "http://0x7f.0.0.1/",
      "http://017700000001/",
      "http://localhost./",
      "http://a.localhost/",
      "http://[::]/",
    ])
      expect(urlRefusal(url, false), url).toBeDefined();
    expect(urlRefusal("http://127.0.0.1:9/x", true)).toBeUndefined();
    expect(urlRefusal("file:///etc/passwd", true)).toBeDefined();
    expect(urlRefusal("https://u:p@example.com/", true)).toBeDefined();
  });
});

describe("allowPrivateUrls", () => {
  it("allowed by default outside production, refused with false, never in production", () => {
    const allow = (env: Record<string, string>) => allowPrivateUrls(loadConfig(env));
    expect(allow({})).toBe(true);
    expect(allow({ WEBHOOK_ALLOW_PRIVATE_URLS: "true" })).toBe(true);
    expect(allow({ WEBHOOK_ALLOW_PRIVATE_URLS: "false" })).toBe(false);
    expect(allow({ WEBHOOK_ALLOW_PRIVATE_URLS: "0" })).toBe(false);
    const production = { NODE_ENV: "production", SECRETS_KEY: "k".repeat(32) };
    expect(allow(production)).toBe(false);
    expect(allow({ ...production, WEBHOOK_ALLOW_PRIVATE_URLS: "true" })).toBe(false);
  });
});

describe("nodeWebhookPost", () => {
  it("refuses a host name that resolves to loopback at connect time; allowed when configured", async () => {
    const rx = await startReceiver(() => 200);
    try {
      const url = rx.url.replace("127.0.0.1", "localhost");
      const init = () => ({ headers: {}, body: "{}", signal: AbortSignal.timeout(5000) });
      const err = await nodeWebhookPost(false)(url, init()).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).cause ?? err)).toMatch(/private, loopback or link-local/);
      expect(rx.requests).toHaveLength(0);
      expect(await nodeWebhookPost(true)(url, init())).toEqual({ status: 200 });
      expect(rx.requests).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
