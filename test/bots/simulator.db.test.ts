import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkCode, setupShop, startBotHarness, type BotHarness, type Shop } from "./harness.ts";

let h: BotHarness;
let shop: Shop;

beforeAll(async () => {
  // The simulator is always on: no Telegram or Zalo needed.
  h = await startBotHarness({ env: { TELEGRAM_BOT_TOKEN: "", ZALO_BOT_TOKEN: "" } });
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});

interface SimReply {
  status: number;
  body: { messages: { text: string; buttons?: { label: string; data: string }[][] }[]; language: string };
}
async function sim(clientId: string, payload: { text?: string; button?: string }): Promise<SimReply> {
  const r = await fetch(`${h.s.url}/simulator/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ clientId, ...payload }),
  });
  return { status: r.status, body: (await r.json()) as SimReply["body"] };
}
let n = 0;
const newClient = () => `sim-client-${(n++).toString().padStart(8, "0")}-test`;

describe("web simulator", () => {
  it("serves a self-contained page", async () => {
    const r = await fetch(`${h.s.url}/simulator`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await r.text();
    expect(html).toContain("<style>");
    expect(html).toContain('"/messages"');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
  });

  it("validates input: a client id is required (16–64 safe characters), and text or button", async () => {
    const bad = [
      {},
      { clientId: "short", text: "hi" },
      { clientId: "x".repeat(20) },
      { clientId: "has spaces in it!!!!", text: "hi" },
    ];
    for (const body of bad) {
      const r = await fetch(`${h.s.url}/simulator/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(400);
    }
    const malformed = await fetch(`${h.s.url}/simulator/api/messages`, { method: "POST", body: "{nope" });
    expect(malformed.status).toBe(400);
  });

  it("does not leak data: an unlinked web user sees nothing until linking with a code; a typed phone never links", async () => {
    const c = newClient();
    for (const text of ["/points", "điểm của tôi", "/vouchers", "/history"]) {
      const r = await sim(c, { text });
      expect(r.body.messages[0]!.text).toContain("chưa liên kết");
      expect(JSON.stringify(r.body)).not.toContain("150");
    }
    const phone = await sim(c, { text: shop.phone });
    expect(phone.body.messages[0]!.text).toContain("không liên kết tài khoản bằng số điện thoại");
    const still = await sim(c, { text: "/points" });
    expect(still.body.messages[0]!.text).toContain("chưa liên kết");
  });

  it("drives the same core: link, points, redeem with confirm, balance changes; language toggle", async () => {
    const c = newClient();
    const linked = await sim(c, { text: `/start ${await linkCode(shop)}` });
    expect(linked.body.messages.map((m) => m.text).join("\n")).toContain("Dạ, bạn đang có 150 điểm.");
    const cat = await sim(c, { button: "r" });
    const ask = cat.body.messages[0]!.buttons!.flat().find((b) => b.label.startsWith("Cà phê sữa đá"))!;
    const confirm = (await sim(c, { button: ask.data })).body.messages[0]!.buttons![0]![0]!;
    expect(confirm.data).toMatch(/^rc:/);
    const done = await sim(c, { button: confirm.data });
    expect(done.body.messages[0]!.text).toContain("Điểm còn lại: 120.");
    const points = await sim(c, { text: "/points" });
    expect(points.body.messages[0]!.text).toContain("Dạ, bạn đang có 120 điểm.");
    const en = await sim(c, { button: "l:en" });
    expect(en.body.language).toBe("en");
    expect(en.body.messages[0]!.text).toBe("Got it — I'll reply in English.");
    expect((await sim(c, { text: "/points" })).body.messages[0]!.text).toContain("You have 120 points.");
    await sim(c, { button: "l:vi" });
  });

  it("the web ChannelSender stores messages the page polls, per client only", async () => {
    const c = newClient();
    const sender = h.channels.senders.web!;
    const sent = await sender.send(shop.merchantId, c, {
      text: "Ưu đãi cuối tuần!",
      buttons: [[{ label: "Xem", data: "o" }]],
    });
    expect(sent.ok).toBe(true);
    const inbox = await (await fetch(`${h.s.url}/simulator/api/inbox?clientId=${c}&after=0`)).json();
    expect(inbox.messages).toHaveLength(1);
    expect(inbox.messages[0]).toMatchObject({ text: "Ưu đãi cuối tuần!", buttons: [[{ label: "Xem", data: "o" }]] });
    const after = await (
      await fetch(`${h.s.url}/simulator/api/inbox?clientId=${c}&after=${inbox.messages[0].id}`)
    ).json();
    expect(after.messages).toHaveLength(0);
    const other = await (await fetch(`${h.s.url}/simulator/api/inbox?clientId=${newClient()}&after=0`)).json();
    expect(other.messages).toHaveLength(0);
    expect((await fetch(`${h.s.url}/simulator/api/inbox`)).status).toBe(400);
  });
});
