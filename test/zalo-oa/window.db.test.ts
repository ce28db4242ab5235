import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/lib/clock.ts";
import { proactiveUsed, quotaMonth, recordInbound, releaseMessage, reserveMessage } from "../../src/zalo-oa/window.ts";
import { oaTextEvent } from "../fakes/zalo-oa-server.ts";
import { setupShop, type Shop } from "../bots/harness.ts";
import { newOaUser, startOaHarness, type OaHarness } from "./harness.ts";

const HOUR = 3_600_000;

describe("interaction window and monthly proactive quota", () => {
  let h: OaHarness;
  let shop: Shop;
  beforeAll(async () => {
    h = await startOaHarness({ ZALO_OA_PROACTIVE_MONTHLY_QUOTA: "2" });
    shop = await setupShop(h.s);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("8 free replies within 48 h of the user's message, then proactive (counted), refused beyond the quota", async () => {
    const db = h.database.db;
    const clock = new FakeClock("2026-12-10T05:00:00Z");
    const oaId = "oa-window";
    const user = "w1";
    const take = () => reserveMessage(db, { oaId, userId: user, now: clock.now(), monthlyQuota: 3 });
    expect(await take()).toEqual({ kind: "proactive", month: "2026-12" }); // never wrote: proactive
    await recordInbound(db, oaId, user, clock.now());
    for (let i = 0; i < 8; i++) expect((await take()).kind).toBe("window");
    expect((await take()).kind).toBe("proactive");
    // A new message renews the window; 48 h later it has closed.
    clock.advance(HOUR);
    await recordInbound(db, oaId, user, clock.now());
    expect((await take()).kind).toBe("window");
    // A late, older event does not reopen or reset the window.
    await recordInbound(db, oaId, user, new Date(clock.now().getTime() - 10 * HOUR));
    clock.advance(48 * HOUR + 1);
    expect((await take()).kind).toBe("proactive"); // the 3rd of 3 this month
    expect(await take()).toEqual({ kind: "refused", month: "2026-12" });
    expect(await proactiveUsed(db, oaId, clock.now())).toBe(3);
  });

  it("the quota month is Vietnam time; a released allowance is given back", async () => {
    const db = h.database.db;
    const oaId = "oa-month";
    expect(quotaMonth(new Date("2026-12-31T16:59:59Z"))).toBe("2026-12");
    expect(quotaMonth(new Date("2026-12-31T17:00:00Z"))).toBe("2027-01");
    const dec = new Date("2026-12-31T16:00:00Z");
    const jan = new Date("2026-12-31T18:00:00Z");
    const take = (now: Date) => reserveMessage(db, { oaId, userId: "m1", now, monthlyQuota: 1 });
    const a = await take(dec);
    expect(a.kind).toBe("proactive");
    expect((await take(dec)).kind).toBe("refused");
    await releaseMessage(db, oaId, "m1", a);
    expect((await take(dec)).kind).toBe("proactive");
    expect((await take(jan)).kind).toBe("proactive");
    expect(await proactiveUsed(db, oaId, jan)).toBe(1);
    expect((await reserveMessage(db, { oaId, userId: "m1", now: jan, monthlyQuota: 0 })).kind).toBe("refused");
  });

  it("the channel sender: replies in the window, then the quota (2), then refused without calling Zalo", async () => {
    const sender = h.channels.senders.zalo_oa!;
    const user = newOaUser();
    await h.hook(oaTextEvent(user, "/help", h.clock.now()));
    expect(h.oa.textsTo(user)).toHaveLength(1); // reply 1 of 8
    for (let i = 2; i <= 8; i++)
      expect(await sender.send(shop.merchantId, user, { text: `m${i}` })).toEqual({ ok: true });
    expect(await sender.send(shop.merchantId, user, { text: "p1" })).toEqual({ ok: true });
    expect(await sender.send(shop.merchantId, user, { text: "p2" })).toEqual({ ok: true });
    const refused = await sender.send(shop.merchantId, user, { text: "p3" });
    expect(refused).toMatchObject({ ok: false, reason: "failed" });
    expect(h.oa.textsTo(user)).toHaveLength(10);
    expect(h.oa.textsTo(user)).not.toContain("p3");
    // The user writes again (a minute later): a fresh window, no quota needed.
    h.clock.advance(60_000);
    await h.hook(oaTextEvent(user, "/help", h.clock.now()));
    expect(await sender.send(shop.merchantId, user, { text: "again" })).toEqual({ ok: true });
  });

  it("a user who does not follow the OA (-213): blocked", async () => {
    const sender = h.channels.senders.zalo_oa!;
    const user = newOaUser();
    await h.hook(oaTextEvent(user, "hi", h.clock.now()));
    h.oa.notFollowers.add(user);
    expect(await sender.send(shop.merchantId, user, { text: "x" })).toMatchObject({ ok: false, reason: "blocked" });
  });
});
