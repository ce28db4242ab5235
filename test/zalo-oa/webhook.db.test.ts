import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { processedUpdates } from "../../src/channels/tables.ts";
import { channelIdentities } from "../../src/db/schema.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { oaEvent, oaTextEvent, signOaEvent, ZALO_OA_TEST } from "../fakes/zalo-oa-server.ts";
import { addMember, linkCode, setupShop, type Shop } from "../bots/harness.ts";
import { newOaUser, startOaHarness, type OaHarness } from "./harness.ts";

let h: OaHarness;
let shop: Shop;

beforeAll(async () => {
  h = await startOaHarness();
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => h.oa.reset());

async function say(user: string, text: string, msgId?: string) {
  const r = await h.hook(oaTextEvent(user, text, h.clock.now(), msgId));
  expect(r.status).toBe(200);
}
const last = (user: string) => h.oa.textsTo(user).at(-1) ?? "";

async function linkedUser(lang?: "en") {
  const user = newOaUser();
  const memberId = lang ? await addMember(h.s, shop, "en") : shop.memberId;
  await say(user, `/start ${await linkCode(shop, memberId)}`);
  h.oa.reset();
  return { user, memberId };
}

const processedCount = async () =>
  (await h.database.db.select({ n: sql<number>`count(*)::int` }).from(processedUpdates))[0]!.n;

describe("Zalo OA webhook: X-ZEvent-Signature", () => {
  it("a wrong, missing or foreign-secret signature → 401; nothing recorded or sent", async () => {
    const user = newOaUser();
    const event = oaTextEvent(user, "/start", h.clock.now());
    const before = await processedCount();
    const foreign = await signOaEvent(event, { secret: "not-the-secret" });
    for (const sig of [null, "", "mac=", "mac=00", foreign.signature, "mac=zz"]) {
      expect((await h.hook(event, sig)).status).toBe(401);
    }
    // The body signed, then altered (another text): the signature no longer matches.
    const signed = await signOaEvent(event);
    const tampered = await fetch(`${h.s.url}/webhooks/zalo-oa`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-ZEvent-Signature": signed.signature },
      body: signed.body.replace("/start", "/points"),
    });
    expect(tampered.status).toBe(401);
    expect(await processedCount()).toBe(before);
    expect(h.oa.sent).toHaveLength(0);
  });

  it("accepts the variants: mac= or bare hex, either case, OA secret key or app secret", async () => {
    for (const [variant, secret] of [
      ["bare", ZALO_OA_TEST.secretKey],
      ["upper", ZALO_OA_TEST.secretKey],
      ["app", ZALO_OA_TEST.appSecret],
    ] as const) {
      const user = newOaUser();
      const event = oaTextEvent(user, "/help", h.clock.now());
      const { body } = await signOaEvent(event);
      const hex = await sha256Hex(`${ZALO_OA_TEST.appId}${body}${event.timestamp}${secret}`);
      const sig = variant === "bare" ? hex : variant === "upper" ? `MAC=${hex.toUpperCase()}` : `mac=${hex}`;
      const r = await fetch(`${h.s.url}/webhooks/zalo-oa`, {
        method: "POST",
        headers: { "content-type": "application/json", "X-ZEvent-Signature": sig },
        body,
      });
      expect(r.status, variant).toBe(200);
      expect(last(user), variant).toContain("/points");
    }
  });

  it("a replayed msg_id is acknowledged and processed once", async () => {
    const { user } = await linkedUser();
    const event = oaTextEvent(user, "/points", h.clock.now(), "replay-oa-1");
    expect((await h.hook(event)).status).toBe(200);
    const again = await h.hook(event);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true });
    expect(h.oa.textsTo(user)).toHaveLength(1);
  });

  it("a signed but malformed event is acknowledged (200) and ignored", async () => {
    const r = await h.hook({ timestamp: "1", not: "an event" });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ignored: true });
  });
});

describe("Zalo OA conversation (vi, en)", () => {
  it("follow → welcome with how to link; a typed code links; points in Vietnamese", async () => {
    const user = newOaUser();
    expect((await h.hook(oaEvent("follow", user, h.clock.now()))).status).toBe(200);
    expect(last(user)).toContain("Cách liên kết thẻ thành viên");
    await say(user, (await linkCode(shop)).toLowerCase());
    expect(h.oa.textsTo(user).some((t) => t.includes("liên kết thành công"))).toBe(true);
    expect(h.oa.textsTo(user).some((t) => t.includes("Dạ, bạn đang có 150 điểm."))).toBe(true);
    // Then the consent question (the loyalty terms and whether to keep receiving promotions).
    expect(last(user)).toContain("Khi liên kết trò chuyện này");
    const rows = await h.database.db
      .select()
      .from(channelIdentities)
      .where(and(eq(channelIdentities.channel, "zalo_oa"), eq(channelIdentities.userId, user)));
    expect(rows[0]?.memberId).toBe(shop.memberId);
  });

  it("numbered choices: /points → 1 (rewards) → 1 (confirm screen) → 2 (cancel); an unknown number has expired", async () => {
    const { user } = await linkedUser();
    await say(user, "/points");
    expect(last(user)).toMatch(/Trả lời bằng số để chọn:\n1\. 🎁 Đổi quà\n2\. 📜 Lịch sử$/);
    await say(user, "1");
    expect(last(user)).toMatch(/\n1\. Cà phê sữa đá · 30 điểm/);
    await say(user, "1");
    expect(last(user)).toContain('xác nhận đổi "Cà phê sữa đá"');
    await say(user, "2");
    expect(last(user)).toContain("mình đã huỷ");
    await say(user, "7");
    expect(last(user)).toContain("lựa chọn này đã hết hạn");
  });

  it("English: free text for points; an image gets a polite text-only reply in the member's language", async () => {
    const { user } = await linkedUser("en");
    await say(user, "how many points do I have?");
    expect(last(user)).toContain("You have 150 points.");
    expect(last(user)).toContain("Reply with a number to choose:");
    await h.hook(oaEvent("user_send_image", user, h.clock.now(), { message: { msg_id: "img-en-1" } }));
    expect(last(user)).toContain("I can only read text messages");
    const vi = newOaUser();
    await h.hook(oaEvent("user_send_sticker", vi, h.clock.now(), { message: { msg_id: "st-vi-1" } }));
    expect(last(vi)).toContain("chỉ đọc được tin nhắn chữ");
  });

  it("user_click_button carries text like a typed message", async () => {
    const { user } = await linkedUser();
    await h.hook(oaEvent("user_click_button", user, h.clock.now(), { message: { msg_id: "btn-1", text: "/points" } }));
    expect(last(user)).toContain("150 điểm");
  });

  it("unfollow opts the linked member out of promotions (nothing sent)", async () => {
    const { user, memberId } = await linkedUser("en");
    expect((await shop.api("GET", `/v1/members/${memberId}`)).body.optedIn).toBe(true);
    expect((await h.hook(oaEvent("unfollow", user, h.clock.now()))).status).toBe(200);
    expect((await shop.api("GET", `/v1/members/${memberId}`)).body.optedIn).toBe(false);
    expect(h.oa.textsTo(user)).toHaveLength(0);
  });

  it("user_received_message → onMessageReceived with merchant, msg id, tracking id and time", async () => {
    const at = h.clock.now();
    const r = await h.hook({
      event_name: "user_received_message",
      sender: { id: ZALO_OA_TEST.oaId },
      recipient: { id: newOaUser() },
      message: { msg_id: "delivered-1", tracking_id: "camp-42" },
      timestamp: String(at.getTime()),
    });
    expect(r.status).toBe(200);
    expect(h.receipts).toContainEqual({ merchantId: shop.merchantId, msgId: "delivered-1", trackingId: "camp-42", at });
  });
});
