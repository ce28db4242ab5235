/**
 * The referral program's rules over the real app and database: the fraud cases (self, existing member, second
 * referrer, refund inside the hold, caps), the hold before the referrer's reward, idempotent payouts, the API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, like } from "drizzle-orm";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { channelIdentities, ledgerEntries } from "../../src/db/schema.ts";
import { claimReferral, runReferralRewards } from "../../src/referrals/service.ts";

let s: TestServer;
let api: Api;
let merchantId: string;
let seq = 0;

beforeAll(async () => {
  s = await startTestServer();
  ({ api, merchantId } = await s.merchant("Referral shop"));
  expect((await api("PUT", "/v1/program", { pendingDays: 14 })).status).toBe(200);
  const put = await api("PUT", "/v1/referrals/settings", {
    enabled: true,
    welcomePoints: 50,
    referrerPoints: 100,
    minOrderAmount: 200_000,
    capPerReferrer: 3,
    capPeriodDays: 30,
  });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ enabled: true, holdDays: null, orderWindowDays: 90 });
});
afterAll(async () => {
  await s?.close();
});

async function member(phone?: string): Promise<string> {
  const r = await api("POST", "/v1/members", { phone: phone ?? `09${String(30_000_000 + ++seq).padStart(8, "0")}` });
  expect(r.status).toBe(201);
  return r.body.id;
}
async function order(memberId: string, total: number, externalId = `O-${++seq}`) {
  const r = await api("POST", "/v1/orders", {
    externalId,
    memberId,
    placedAt: s.clock.now().toISOString(),
    items: [{ sku: "SKU-1", quantity: 1, unitPrice: total }],
  });
  expect(r.status).toBe(201);
  return externalId;
}
const claim = (referrerId: string, friendId: string, userId?: string) =>
  claimReferral(s.database.db, { merchantId, referrerId, friendId, channel: "telegram", userId }, s.clock.now());
async function points(memberId: string) {
  const r = await api("GET", `/v1/members/${memberId}`);
  return r.body.points.total as number;
}
const reasonKeys = (memberId: string) =>
  s.database.db
    .select({ reason: ledgerEntries.reason, points: ledgerEntries.points })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.memberId, memberId), like(ledgerEntries.reason, "referral:%")));

describe("referrals: who may be referred", () => {
  it("a new friend is accepted and gets the welcome bonus once, keyed referral:<id>:welcome", async () => {
    const referrer = await member();
    const friend = await member();
    const r = await claim(referrer, friend);
    expect(r).toMatchObject({ status: "accepted", welcomePoints: 50 });
    expect(await points(friend)).toBe(50);
    const keys = await reasonKeys(friend);
    expect(keys).toEqual([{ reason: `referral:${r.status === "accepted" ? r.referralId : ""}:welcome`, points: 50 }]);
    // The data export of either side shows the referral.
    const ex = await api("GET", `/v1/members/${friend}/export`);
    expect(ex.body.referrals).toMatchObject([{ referrerId: referrer, friendId: friend, status: "pending" }]);
    expect((await api("GET", `/v1/members/${referrer}/export`)).body.referrals).toHaveLength(1);
  });

  it("self-referral: the same member, the same phone, or the referrer's own chat account are refused", async () => {
    const referrer = await member("0987000001");
    expect(await claim(referrer, referrer)).toMatchObject({ status: "refused", reason: "self_referral" });
    // The referrer's own Telegram account, now writing as another (new) member.
    await s.database.db.insert(channelIdentities).values({
      merchantId,
      memberId: referrer,
      channel: "telegram",
      userId: "777001",
      chatId: "777001",
    });
    const other = await member();
    expect(await claim(referrer, other, "777001")).toMatchObject({ status: "refused", reason: "self_referral" });
    expect(await points(other)).toBe(0);
  });

  it("an existing customer (orders or points history) is refused: existing_member", async () => {
    const referrer = await member();
    const old = await member();
    await order(old, 50_000);
    expect(await claim(referrer, old)).toMatchObject({ status: "refused", reason: "existing_member" });
  });

  it("one referrer per member: a second referrer is refused, also when both race", async () => {
    const [a, b, friend] = [await member(), await member(), await member()];
    expect((await claim(a, friend)).status).toBe("accepted");
    expect(await claim(b, friend)).toMatchObject({ status: "refused", reason: "already_referred" });
    const [c, d, racer] = [await member(), await member(), await member()];
    const both = await Promise.all([claim(c, racer), claim(d, racer)]);
    expect(both.map((x) => x.status).sort()).toEqual(["accepted", "refused"]);
    expect(await points(racer)).toBe(50);
  });

  it("the cap per referrer per period refuses the referrals beyond it (referrer_cap) until the period rolls", async () => {
    const referrer = await member();
    for (let i = 0; i < 3; i++) expect((await claim(referrer, await member())).status).toBe("accepted");
    const fourth = await member();
    expect(await claim(referrer, fourth)).toMatchObject({ status: "refused", reason: "referrer_cap" });
    expect(await points(fourth)).toBe(0);
    s.clock.advanceDays(31);
    expect((await claim(referrer, await member())).status).toBe("accepted");
  });

  it("a disabled program records nothing", async () => {
    const { merchantId: other } = await s.merchant("Off shop");
    const r = await claimReferral(
      s.database.db,
      { merchantId: other, referrerId: "mem_x", friendId: "mem_y", channel: "zalo" },
      s.clock.now(),
    );
    expect(r).toEqual({ status: "disabled" });
  });
});

describe("referrals: the referrer's reward waits for the hold", () => {
  const run = () => runReferralRewards(s.database.db, merchantId, s.clock.now());

  it("pays only after the first qualifying order is past the program's pending window, once", async () => {
    const referrer = await member();
    const friend = await member();
    const r = await claim(referrer, friend);
    if (r.status !== "accepted") throw new Error("not accepted");
    await order(friend, 100_000); // below the minimum: not qualifying
    expect((await run()).held).toBe(0);
    await order(friend, 250_000);
    expect(await run()).toMatchObject({ held: 1, rewarded: 0 });
    s.clock.advanceDays(13);
    expect((await run()).rewarded).toBe(0);
    expect(await points(referrer)).toBe(0);
    s.clock.advanceDays(1);
    expect((await run()).rewarded).toBe(1);
    expect((await run()).rewarded).toBe(0);
    expect(await reasonKeys(referrer)).toEqual([{ reason: `referral:${r.referralId}:reward`, points: 100 }]);
    const list = await api("GET", `/v1/referrals?status=rewarded`);
    expect(list.body.referrals.find((x: { id: string }) => x.id === r.referralId)).toMatchObject({
      status: "rewarded",
      orderTotal: 250_000,
      rewardPoints: 100,
    });
  });

  it("a refund inside the hold cancels the reward; a refund after it does not take it back", async () => {
    const referrer = await member();
    const friend = await member();
    const r = await claim(referrer, friend);
    const ext = await order(friend, 300_000);
    await run();
    s.clock.advanceDays(3);
    expect((await api("POST", `/v1/orders/${ext}/refunds`, { externalId: `R-${ext}` })).status).toBe(201);
    s.clock.advanceDays(14);
    expect(await run()).toMatchObject({ cancelled: 1, rewarded: 0 });
    expect(await points(referrer)).toBe(0);
    const list = await api("GET", `/v1/referrals?status=cancelled`);
    expect(list.body.referrals.map((x: { id: string }) => x.id)).toContain(r.status === "accepted" && r.referralId);

    const referrer2 = await member();
    const friend2 = await member();
    await claim(referrer2, friend2);
    const ext2 = await order(friend2, 300_000);
    s.clock.advanceDays(15);
    await api("POST", `/v1/orders/${ext2}/refunds`, { externalId: `R-${ext2}` });
    expect((await run()).rewarded).toBe(1);
    expect(await points(referrer2)).toBe(100);
  });
});

describe("referrals: API", () => {
  it("settings validate with field paths; KPIs, leaderboard and a member's link answer", async () => {
    const bad = await api("PUT", "/v1/referrals/settings", { welcomePoints: -1, capPeriodDays: 0 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("welcomePoints");
    expect(JSON.stringify(bad.body)).toContain("capPeriodDays");
    const k = await api("GET", "/v1/referrals/kpis?days=366");
    expect(k.status).toBe(200);
    expect(k.body.referredMembers).toBeGreaterThan(5);
    expect(k.body.refusals).toMatchObject({ self_referral: expect.any(Number), existing_member: 1, referrer_cap: 1 });
    expect(k.body.costPoints.total).toBe(k.body.costPoints.welcome + k.body.costPoints.rewards);
    expect(k.body.firstOrders).toBeGreaterThanOrEqual(3);
    const lb = await api("GET", "/v1/referrals/leaderboard?days=366");
    expect(lb.status).toBe(200);
    expect(lb.body.referrers[0].referred).toBeGreaterThanOrEqual(lb.body.referrers.at(-1).referred);
    const m = await member();
    const link = await api("GET", `/v1/members/${m}/referral-link`);
    expect(link.status).toBe(200);
    expect(link.body.code).toMatch(/^[ACDEFGHJKMNPQRTUVWXY34679]{8}$/);
    expect(link.body.zaloText).toBe(`ref ${link.body.code}`);
    expect((await api("GET", `/v1/members/${m}/referral-link`)).body.code).toBe(link.body.code);
    expect((await api("GET", `/v1/members/${m}/export`)).body.referralCodes).toMatchObject([{ code: link.body.code }]);
    expect((await api("GET", "/v1/referrals?limit=0")).status).toBe(400);
    const p1 = await api("GET", "/v1/referrals?limit=2");
    const p2 = await api("GET", `/v1/referrals?limit=2&before=${p1.body.next}`);
    expect(p2.body.referrals[0].id).not.toBe(p1.body.referrals[0].id);
    const other = await s.merchant("Other shop");
    expect((await other.api("GET", "/v1/referrals")).body.referrals).toEqual([]);
  });
});
