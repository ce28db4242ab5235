/**
 * A survey offered after an order against the monthly budget (both databases, a fake clock): before the after-order
 * pass invites anyone, the completion points (every invitee completing × the survey's points × the point value)
 * are checked against the month's remaining budget. Over a blocking budget nothing is sent and the skip is recorded
 * on the survey (`budgetSkips`, `budgetCheck`); over a warning budget the invitations go out with the warning.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, queryRows } from "../../src/db/rows.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { budgetSendGuard } from "../../src/budget/guard.ts";
import { runSurveyOrderPass } from "../../src/surveys/service.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember } from "../segments/fixtures.ts";

let s: TestServer;
const clock = new FakeClock(new Date("2026-11-20T03:00:00Z"));
const HOUR = 3_600_000;

beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => {
  await s.close();
});

/** Members opted in, reachable on Telegram, each with an order placed now. */
async function buyers(merchantId: string, n: number) {
  for (let i = 0; i < n; i++)
    await addMember(
      s.database.db,
      merchantId,
      { optedIn: true, channels: [{ channel: "telegram" }], orders: [{ at: clock.now() }] },
      clock.now(),
    );
}
const invited = async (merchantId: string) =>
  (
    await queryRows(
      s.database.db,
      sql`select count(*) as n from deliveries where merchant_id = ${merchantId} and source = 'survey'`,
      z.object({ n: col.num }),
    )
  )[0]!.n;
const pass = () => runSurveyOrderPass(s.database.db, clock.now(), undefined, budgetSendGuard);
const question = [{ type: "rating", text: { vi: "Đơn hàng thế nào?", en: "How was your order?" } }];

describe("surveys offered after an order and the monthly budget", () => {
  it("a blocking budget skips the invitations (recorded on the survey); a warning one sends with the warning", async () => {
    const m = await s.merchant();
    const { api } = m;
    // 25 points left this month, a point costs 5 đ; 3 invitees × 10 points = 30 points (150 đ) would exceed it.
    await api("PUT", "/v1/budget/settings", {
      enforcement: "block",
      monthly: { points: 25, spend: null },
      pointValue: { amount: 5, points: 1 },
    });
    const created = await api("POST", "/v1/surveys", {
      name: "Sau đơn",
      questions: question,
      points: 10,
      afterOrder: { delayHours: 1 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ budgetCheck: null, budgetSkips: 0 });
    clock.advance(60_000);
    await buyers(m.merchantId, 3);
    clock.advance(HOUR);

    await pass();
    expect(await invited(m.merchantId)).toBe(0);
    let view = (await api("GET", `/v1/surveys/${id}`)).body;
    expect(view).toMatchObject({
      budgetSkips: 1,
      budgetCheck: { at: clock.now().toISOString(), outcome: "skipped", over: ["points"], cost: 150, invitations: 3 },
      draft: true,
    });
    expect(view.budgetCheck.detail).toContain(`Survey ${id}'s after-order invitations would exceed the 2026-11 budget`);
    expect(view.budgetCheck.detail).toContain("30 completion points with 25 of the 25 points budget left");
    const results = (await api("GET", `/v1/surveys/${id}/results`)).body;
    expect(results).toMatchObject({ budgetSkips: 1, sent: 0 });

    // The next pass tries again: skipped again, counted.
    clock.advance(600_000);
    await pass();
    view = (await api("GET", `/v1/surveys/${id}`)).body;
    expect(view.budgetSkips).toBe(2);
    expect(view.budgetCheck.at).toBe(clock.now().toISOString());
    expect(await invited(m.merchantId)).toBe(0);

    // Warn: the invitations go out, with the warning recorded.
    await api("PUT", "/v1/budget/settings", {
      enforcement: "warn",
      monthly: { points: 25, spend: null },
      pointValue: { amount: 5, points: 1 },
    });
    clock.advance(600_000);
    await pass();
    expect(await invited(m.merchantId)).toBe(3);
    view = (await api("GET", `/v1/surveys/${id}`)).body;
    expect(view).toMatchObject({
      budgetSkips: 2,
      budgetCheck: { outcome: "warned", over: ["points"], cost: 150, invitations: 3 },
      draft: false,
    });

    // Blocking again with room for two invitees (20 points). The three invitations still queued hold 30 points:
    // one new buyer does not fit until they are sent (their points count only once given).
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: 20, spend: null } });
    await buyers(m.merchantId, 1);
    clock.advance(HOUR);
    await pass();
    expect(await invited(m.merchantId)).toBe(3);
    view = (await api("GET", `/v1/surveys/${id}`)).body;
    expect(view).toMatchObject({ budgetSkips: 3, budgetCheck: { outcome: "skipped", invitations: 1 } });
    expect(view.budgetCheck.detail).toContain("(30 points held by campaigns sending and messages queued)");
    await s.database.db.execute(
      sql`update deliveries set status = 'sent', sent_at = ${clock.now().toISOString()}::timestamptz
          where merchant_id = ${m.merchantId} and source = 'survey'`,
    );
    clock.advance(HOUR);
    await pass();
    expect(await invited(m.merchantId)).toBe(4);
    view = (await api("GET", `/v1/surveys/${id}`)).body;
    expect(view).toMatchObject({ budgetSkips: 3, budgetCheck: { outcome: "within", invitations: 1 } });
  });

  it("without a budget the invitations go out as before (within)", async () => {
    const m = await s.merchant();
    const id = (
      await m.api("POST", "/v1/surveys", {
        name: "Sau đơn",
        questions: question,
        points: 1_000_000,
        afterOrder: { delayHours: 0 },
      })
    ).body.id;
    clock.advance(60_000);
    await buyers(m.merchantId, 2);
    clock.advance(60_000);
    await pass();
    expect(await invited(m.merchantId)).toBe(2);
    expect((await m.api("GET", `/v1/surveys/${id}`)).body).toMatchObject({
      budgetSkips: 0,
      budgetCheck: { outcome: "within", invitations: 2 },
    });
  });
});
