/**
 * A survey's send to its segment (POST /v1/surveys/{id}/send) against the monthly budget (both databases): its
 * invitations' completion points (every invitee completing × the survey's points × the point value) are checked
 * as a campaign start is. Over a blocking budget → 409 over-budget and nothing sent or changed; over a warning one
 * → sent, with the `budget` warning, the check recorded on the survey; without a budget → as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, queryRows } from "../../src/db/rows.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember } from "../segments/fixtures.ts";

let s: TestServer;
const clock = new FakeClock(new Date("2026-11-20T03:00:00Z"));

beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => {
  await s.close();
});

const question = [{ type: "rating", text: { vi: "Cửa hàng thế nào?", en: "How are we doing?" } }];
const invited = async (merchantId: string) =>
  (
    await queryRows(
      s.database.db,
      sql`select count(*) as n from deliveries where merchant_id = ${merchantId} and source = 'survey'`,
      z.object({ n: col.num }),
    )
  )[0]!.n;

/** A merchant with 3 opted-in Telegram members, an "everyone" segment and a 10-point survey for it. */
async function setup() {
  const m = await s.merchant();
  for (let i = 0; i < 3; i++)
    await addMember(s.database.db, m.merchantId, { optedIn: true, channels: [{ channel: "telegram" }] }, clock.now());
  const seg = await m.api("POST", "/v1/segments", { name: "everyone", rule: { all: [] } });
  expect(seg.status).toBe(201);
  const created = await m.api("POST", "/v1/surveys", {
    name: "Khảo sát",
    questions: question,
    points: 10,
    segmentId: seg.body.id,
  });
  expect(created.status).toBe(201);
  return { ...m, id: created.body.id as string };
}

// 25 points left this month, a point costs 5 đ; 3 invitees × 10 points = 30 points (150 đ) would exceed it.
const budget = (enforcement: "block" | "warn") => ({
  enforcement,
  monthly: { points: 25, spend: null },
  pointValue: { amount: 5, points: 1 },
});

describe("a survey's send to its segment and the monthly budget", () => {
  it("a blocking budget → 409 over-budget, nothing sent, the survey unchanged", async () => {
    const m = await setup();
    expect((await m.api("PUT", "/v1/budget/settings", budget("block"))).status).toBe(200);
    const r = await m.api("POST", `/v1/surveys/${m.id}/send`);
    expect(r.status).toBe(409);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.type).toMatch(/over-budget$/);
    expect(r.body.detail).toContain(`Survey ${m.id}'s send to its segment would exceed the 2026-11 budget`);
    expect(r.body.detail).toContain("30 completion points with 25 of the 25 points budget left");
    expect(await invited(m.merchantId)).toBe(0);
    const view = (await m.api("GET", `/v1/surveys/${m.id}`)).body;
    expect(view).toMatchObject({ sentAt: null, recipients: null, draft: true, budgetCheck: null, budgetSkips: 0 });
  });

  it("a warning budget → 202, sent with the warning, the check recorded on the survey", async () => {
    const m = await setup();
    expect((await m.api("PUT", "/v1/budget/settings", budget("warn"))).status).toBe(200);
    const r = await m.api("POST", `/v1/surveys/${m.id}/send`);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      id: m.id,
      status: "sending",
      recipients: 3,
      budget: { code: "over-budget", over: ["points"], cost: 150 },
    });
    expect(r.body.budget.detail).toContain(`Survey ${m.id}'s send to its segment`);
    expect(await invited(m.merchantId)).toBe(3);
    const view = (await m.api("GET", `/v1/surveys/${m.id}`)).body;
    expect(view).toMatchObject({
      draft: false,
      recipients: 3,
      budgetSkips: 0,
      budgetCheck: {
        at: clock.now().toISOString(),
        outcome: "warned",
        over: ["points"],
        cost: 150,
        invitations: 3,
        via: "segment",
      },
    });
  });

  it("within a budget → sent, recorded as within; without one → as before (no budget field)", async () => {
    const m = await setup();
    await m.api("PUT", "/v1/budget/settings", { ...budget("block"), monthly: { points: 1000, spend: null } });
    const r = await m.api("POST", `/v1/surveys/${m.id}/send`);
    expect(r.status).toBe(202);
    expect(r.body.budget).toBeUndefined();
    expect((await m.api("GET", `/v1/surveys/${m.id}`)).body.budgetCheck).toMatchObject({
      outcome: "within",
      invitations: 3,
      via: "segment",
    });

    const none = await setup();
    const r2 = await none.api("POST", `/v1/surveys/${none.id}/send`);
    expect(r2.status).toBe(202);
    expect(r2.body).toEqual({ id: none.id, status: "sending", recipients: 3 });
    // Recorded as within, like an after-order pass without a budget.
    expect((await none.api("GET", `/v1/surveys/${none.id}`)).body.budgetCheck).toMatchObject({ outcome: "within" });
    expect(await invited(none.merchantId)).toBe(3);
  });

  it("invitations queued and not sent yet hold their points: a second survey that fits alone is refused until they go out", async () => {
    const m = await setup();
    await m.api("PUT", "/v1/budget/settings", { ...budget("block"), monthly: { points: 50, spend: null } });
    const first = (await m.api("GET", `/v1/surveys/${m.id}`)).body;
    const second = await m.api("POST", "/v1/surveys", {
      name: "Khảo sát 2",
      questions: question,
      points: 10,
      segmentId: first.segmentId,
    });
    expect(second.status).toBe(201);
    expect((await m.api("POST", `/v1/surveys/${m.id}/send`)).status).toBe(202); // 30 of 50
    expect((await m.api("GET", "/v1/budget/report")).body.current.reserved).toEqual({ points: 30, spend: 0 });

    const refused = await m.api("POST", `/v1/surveys/${second.body.id}/send`); // 30 more: 60 > 50
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(
      "30 completion points with 20 of the 50 points budget left (30 points held by campaigns sending and messages queued)",
    );
    expect(await invited(m.merchantId)).toBe(3);

    // Sent (the delivery queue's work), they hold nothing; their points count once given, so the second fits now.
    await s.database.db.execute(
      sql`update deliveries set status = 'sent', sent_at = ${clock.now().toISOString()}::timestamptz
          where merchant_id = ${m.merchantId} and source = 'survey'`,
    );
    expect((await m.api("GET", "/v1/budget/report")).body.current.reserved).toEqual({ points: 0, spend: 0 });
    expect((await m.api("POST", `/v1/surveys/${second.body.id}/send`)).status).toBe(202);
    expect(await invited(m.merchantId)).toBe(6);
  });
});
