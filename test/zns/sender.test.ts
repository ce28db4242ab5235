/** The ZNS sender against the fake ZNS server over loopback: success, and each error mapped for the delivery queue. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createZnsSender, sendZnsTemplate, znsPhone } from "../../src/channels/zns.ts";
import { FakeZnsServer } from "../fakes/zns-server.ts";

let zns: FakeZnsServer;
let token: string;
const sender = () => createZnsSender({ fetch, accessToken: () => token, apiRoot: zns.url, broadcastRate: 5 });
const msg = (data: Record<string, string> = { name: "Hoa" }, mode?: "development") => ({
  text: "",
  template: { templateId: "100", data, trackingId: "42", ...(mode ? { mode } : {}) },
});

beforeAll(async () => {
  zns = await FakeZnsServer.start({ templates: { "100": ["name"] } });
});
afterAll(() => zns.close());
beforeEach(() => {
  zns.reset();
  token = zns.token;
});

describe("ZNS sender", () => {
  it("posts phone 84…, template_id, template_data, tracking_id; error 0 → sent with Zalo's msg_id", async () => {
    const r = await sender().send("mer_1", "+84912345678", msg());
    expect(r).toEqual({ ok: true, messageId: "zmsg1" });
    expect(zns.sent[0]).toMatchObject({
      phone: "84912345678",
      templateId: "100",
      templateData: { name: "Hoa" },
      trackingId: "42",
      mode: undefined,
    });
    expect(sender().broadcastRate).toBe(5);
  });

  it("maps errors: expired token (retryable), invalid phone (blocked), unapproved template and quota (not retried)", async () => {
    token = "stale";
    const expired = await sender().send("mer_1", "+84912345678", msg());
    expect(expired).toMatchObject({ ok: false, reason: "failed" });
    expect(expired.ok === false && expired.permanent).toBeFalsy();
    expect(expired.ok === false && expired.error).toMatch(/token-expired \(-124\)/);
    token = zns.token;
    // A phone ZNS cannot take is refused before any call; one Zalo refuses is `blocked` too.
    expect(await sender().send("mer_1", "+14155550100", msg())).toMatchObject({ ok: false, reason: "blocked" });
    const direct = await sendZnsTemplate({ fetch, accessToken: () => token, apiRoot: zns.url }, token, "8412", {
      templateId: "100",
      data: { name: "x" },
      trackingId: "1",
    });
    expect(direct).toMatchObject({ ok: false, kind: "invalid-phone", code: -108 });
    const missing = await sender().send("mer_1", "+84912345678", msg({}));
    expect(missing).toMatchObject({ ok: false, reason: "failed", permanent: true });
    zns.dailyQuota = 0;
    const quota = await sender().send("mer_1", "+84912345678", msg());
    expect(quota).toMatchObject({ ok: false, reason: "failed", permanent: true });
    expect(quota.ok === false && quota.error).toMatch(/quota-exceeded \(-144\)/);
    expect(zns.sent).toHaveLength(0);
  });

  it("development mode reaches the OA's admins only; no token or no template is a permanent failure", async () => {
    zns.admins.add("84912345678");
    expect(await sender().send("mer_1", "+84912345678", msg({ name: "A" }, "development"))).toMatchObject({ ok: true });
    expect(zns.sent[0]?.mode).toBe("development");
    expect(await sender().send("mer_1", "+84987654321", msg({ name: "A" }, "development"))).toMatchObject({
      ok: false,
      reason: "failed",
    });
    const noToken = createZnsSender({ fetch, accessToken: () => undefined, apiRoot: zns.url });
    expect(await noToken.send("mer_1", "+84912345678", msg())).toMatchObject({ ok: false, permanent: true });
    expect(await sender().send("mer_1", "+84912345678", { text: "hi" })).toMatchObject({ ok: false, permanent: true });
    expect(znsPhone("+84912345678")).toBe("84912345678");
    expect(znsPhone("+6591234567")).toBeUndefined();
  });
});
