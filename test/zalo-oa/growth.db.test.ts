/**
 * Growth tools over the Zalo OA channel (real app, fake OA API, signed webhooks): a friend joins through a referral
 * code typed as text (the OA has no deep links; a follow carries no payload), and a survey sent through the
 * delivery queue is answered with numbered choices, its points credited once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { channelIdentities, ledgerEntries } from "../../src/db/schema.ts";
import { referrals } from "../../src/referrals/tables.ts";
import { deliverBatch } from "../../src/campaigns/delivery.ts";
import { oaEvent, oaTextEvent } from "../fakes/zalo-oa-server.ts";
import { addMember, linkCode, setupShop, type Shop } from "../bots/harness.ts";
import { newOaUser, startOaHarness, type OaHarness } from "./harness.ts";

let h: OaHarness;
let shop: Shop;
let code: string;

beforeAll(async () => {
  h = await startOaHarness();
  shop = await setupShop(h.s);
  const put = await shop.api("PUT", "/v1/referrals/settings", { enabled: true, welcomePoints: 40, referrerPoints: 90 });
  expect(put.status).toBe(200);
  code = (await shop.api("GET", `/v1/members/${shop.memberId}/referral-link`)).body.code;
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => h.oa.reset());

async function say(user: string, text: string) {
  expect((await h.hook(oaTextEvent(user, text, h.clock.now()))).status).toBe(200);
}
const texts = (user: string) => h.oa.textsTo(user);
const last = (user: string) => texts(user).at(-1) ?? "";
async function memberOf(userId: string) {
  const [row] = await h.database.db
    .select({ memberId: channelIdentities.memberId })
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, "zalo_oa"), eq(channelIdentities.userId, userId)));
  return row?.memberId;
}
const referralOf = (friendId: string) => h.database.db.select().from(referrals).where(eq(referrals.friendId, friendId));

describe("Zalo OA: a friend joins with a referral code typed as text", () => {
  it("a follow carries no code: the welcome; then the code typed alone makes a linked member with the bonus", async () => {
    const friend = newOaUser();
    expect((await h.hook(oaEvent("follow", friend, h.clock.now()))).status).toBe(200);
    expect(await memberOf(friend)).toBeUndefined();
    h.oa.reset();
    await say(friend, ` ${code.toLowerCase()} `);
    expect(texts(friend).join("\n")).toContain("tặng 40 điểm");
    const memberId = await memberOf(friend);
    expect(memberId).toBeDefined();
    expect(await referralOf(memberId!)).toMatchObject([
      { status: "pending", referrerId: shop.memberId, channel: "zalo_oa" },
    ]);
    // Again: one referrer per member.
    h.oa.reset();
    await say(friend, `ref ${code}`);
    expect(last(friend)).toContain("đã được giới thiệu");
    expect((await referralOf(memberId!)).map((r) => r.refusalReason).sort()).toEqual(["already_referred", null]);
  });

  it('"ref <code>" joins too; the referrer\'s own OA chat is refused', async () => {
    const friend = newOaUser();
    await say(friend, `ref ${code}`);
    expect(texts(friend).join("\n")).toContain("tặng 40 điểm");
    const self = newOaUser();
    await say(self, `/start ${await linkCode(shop)}`);
    h.oa.reset();
    await say(self, code);
    expect(last(self)).toContain("chính mình");
  });
});

describe("Zalo OA: a survey answered with numbered choices", () => {
  it("the first question comes through the delivery queue; typed numbers answer; points once", async () => {
    const memberId = await addMember(h.s, shop, "vi", "Phạm Thu");
    const user = newOaUser();
    await say(user, `/start ${await linkCode(shop, memberId)}`);
    const seg = await shop.api("POST", "/v1/segments", { name: "everyone", rule: { all: [] } });
    expect(seg.status).toBe(201);
    const created = await shop.api("POST", "/v1/surveys", {
      name: "OA survey",
      points: 30,
      segmentId: seg.body.id,
      questions: [
        {
          type: "choice",
          text: { vi: "Bạn hay gọi món gì?" },
          options: [{ vi: "Cà phê" }, { vi: "Trà" }, { vi: "Bánh" }],
        },
        { type: "rating", text: { vi: "Bạn chấm quán mấy sao?" } },
      ],
    });
    expect(created.status).toBe(201);
    const surveyId = created.body.id;
    const sent = await shop.api("POST", `/v1/surveys/${surveyId}/send`);
    expect(sent.status).toBe(202);
    expect(sent.body.recipients).toBeGreaterThanOrEqual(1);
    h.oa.reset();
    const stats = await deliverBatch({
      db: h.database.db,
      senders: h.channels.senders,
      clock: h.clock,
      maxMs: 10_000,
      backoffMs: () => 0,
    });
    expect(stats.sent).toBeGreaterThanOrEqual(1);
    expect(last(user)).toContain("(1/2) Bạn hay gọi món gì?");
    expect(last(user)).toMatch(/1\. Cà phê\n2\. Trà\n3\. Bánh/);

    await say(user, "2");
    expect(last(user)).toContain("(2/2) Bạn chấm quán mấy sao?");
    expect(last(user)).toMatch(/1\. .*\n2\. /);
    await say(user, "5");
    expect(last(user)).toContain("30 điểm");
    await say(user, "5");
    const credited = await h.database.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.memberId, memberId), eq(ledgerEntries.reason, `survey:${surveyId}:${memberId}`)));
    expect(credited.map((e) => e.points)).toEqual([30]);
    const results = await shop.api("GET", `/v1/surveys/${surveyId}/results`);
    expect(results.body).toMatchObject({ completed: 1, pointsAwarded: 30 });
    expect(results.body.questions[0].counts.map((c: { count: number }) => c.count)).toEqual([0, 1, 0]);
    expect(results.body.questions[1].counts.find((c: { value: number }) => c.value === 5).count).toBe(1);
  });
});
