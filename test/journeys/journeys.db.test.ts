/** The reactivation journey over 60 simulated days (FakeClock), delivered to the fake Telegram Bot API. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { FakeTelegramServer } from "../fakes/telegram-server.ts";
import { deliverBatch } from "../../src/campaigns/delivery.ts";
import { recordPromoSend } from "../../src/campaigns/promo.ts";
import { resultRows } from "../../src/db/rows.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { addMember, addOrder, DAY } from "../segments/fixtures.ts";
import { httpTelegramSender } from "../campaigns/helpers.ts";

let s: TestServer;
let tg: FakeTelegramServer;
const DAY0 = new Date("2026-09-01T03:00:00Z"); // 10:00 in Ho Chi Minh City
const clock = new FakeClock(DAY0);

beforeAll(async () => {
  s = await startTestServer({ clock });
  tg = await FakeTelegramServer.start();
});
afterAll(async () => {
  await tg.close();
  await s.close();
});

const day = (d: number, minutes = 0) => new Date(DAY0.getTime() + d * DAY + minutes * 60_000);
const steps = [
  {
    segmentId: "recent-7",
    message: { vi: "{{firstName}} ơi, lâu rồi không gặp!", en: "{{firstName}}, long time no see!" },
  },
  { segmentId: "recent-14", message: { vi: "Tặng bạn ưu đãi 10%" }, offerId: "off_10" },
  { segmentId: "recent-28", message: { vi: "Nhớ bạn lắm {{firstName}}" } },
];

describe("reactivation journey", () => {
  it("PUT validates; GET before configuring is disabled with no steps", async () => {
    const { api } = await s.merchant();
    expect((await api("GET", "/v1/journeys/reactivation")).body).toMatchObject({ enabled: false, steps: [] });
    const bad = await api("PUT", "/v1/journeys/reactivation", {
      enabled: true,
      steps: [
        { segmentId: "recent-7", message: { vi: "x" } },
        { segmentId: "nope", message: { vi: "x" } },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(["steps.1.segmentId"]);
    const bad2 = await api("PUT", "/v1/journeys/reactivation", {
      enabled: "yes",
      steps: [{ segmentId: "recent-7", message: { vi: "{{oops}}" } }],
    });
    expect(bad2.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["enabled", "steps.0.message.vi"]);
    expect((await api("POST", "/v1/jobs/journeys")).body).toEqual({ enabled: false, queued: 0, steps: [] });
  });

  it("60 days: each step once per entry, nothing after buying again, cap/opt-out/unreachable respected, counts", async () => {
    clock.set(DAY0);
    const { api, merchantId } = await s.merchant();
    const put = await api("PUT", "/v1/journeys/reactivation", { enabled: true, steps });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      enabled: true,
      steps: steps.map((st) => ({ ...st, counts: { sent: 0, converted: 0, revenue: 0 } })),
    });

    let chat = 5_000_000;
    const member = async (
      name: string,
      opts: { optedIn?: boolean; linked?: boolean; orders: { day: number; minutes?: number; total?: number }[] },
    ) => {
      const chatId = String(++chat);
      const id = await addMember(
        s.database.db,
        merchantId,
        {
          name,
          optedIn: opts.optedIn ?? true,
          channels: opts.linked === false ? [] : [{ channel: "telegram", chatId, linkedAt: day(-30) }],
          orders: opts.orders.map((o) => ({ at: day(o.day, o.minutes ?? 0), total: o.total ?? 50_000 })),
        },
        DAY0,
      );
      return { id, chatId };
    };
    const A = await member("Trần Thị An", { orders: [{ day: 0 }] });
    const B = await member("Lê Văn Bình", { orders: [{ day: 0 }, { day: 10, total: 80_000 }] });
    const C = await member("Opted Out", { optedIn: false, orders: [{ day: 0 }] });
    const D = await member("Not Linked", { linked: false, orders: [{ day: 0 }] });
    const E = await member("Blocked Bot", { orders: [{ day: 0 }] });
    const F = await member("Capped Member", { orders: [{ day: 0 }] });
    const G = await member("Buys Again", { orders: [{ day: 0 }, { day: 7, minutes: 1, total: 30_000 }] });
    tg.blockChat(E.chatId);
    const senders = { telegram: httpTelegramSender(tg.url, tg.token, 200) };

    for (let d = 0; d <= 60; d++) {
      clock.set(day(d));
      if (d === 14)
        for (let k = 0; k < 2; k++)
          await recordPromoSend(s.database.db, { merchantId, memberId: F.id, kind: "offer", at: day(d, -60 + k) });
      const pass = await api("POST", "/v1/jobs/journeys");
      expect(pass.status).toBe(200);
      if (d === 7) {
        // Idempotent: a second pass the same day queues nothing new.
        expect((await api("POST", "/v1/jobs/journeys")).body.queued).toBe(0);
      }
      clock.set(day(d, 2)); // G's second order (day 7, 10:01) lands between queueing and sending
      await deliverBatch({ db: s.database.db, senders, clock, maxMs: 10_000 });
    }

    const rows = await resultRows<{
      member_id: string;
      journey_step: number;
      status: string;
      created_at: Date | string;
    }>(
      await s.database.db.execute(
        sql`select member_id, journey_step, status, created_at from deliveries where merchant_id = ${merchantId} and source = 'journey' order by created_at, member_id, journey_step`,
      ),
    );
    const got = (m: { id: string }) =>
      rows
        .filter((r) => r.member_id === m.id)
        .map(
          (r) =>
            `${r.journey_step}@${Math.round((new Date(r.created_at).getTime() - DAY0.getTime()) / DAY)}:${r.status}`,
        );
    expect(got(A)).toEqual(["0@7:sent", "1@14:sent", "2@28:sent"]);
    expect(got(B)).toEqual(["0@7:sent", "0@17:sent", "1@24:sent", "2@38:sent"]);
    expect(got(C)).toEqual([]);
    expect(got(D)).toEqual([]);
    expect(got(E)).toEqual(["0@7:blocked"]);
    expect(got(F)).toEqual(["0@7:sent", "1@14:skipped_cap", "2@28:sent"]);
    expect(got(G)).toEqual(["0@7:stale", "0@14:sent", "1@21:sent", "2@35:sent"]);

    // The fake Bot API saw exactly the sent ones, once each, in the member's language with the step's text.
    expect(tg.sentMessages(A.chatId).map((m) => m.text)).toEqual([
      "An ơi, lâu rồi không gặp!",
      "Tặng bạn ưu đãi 10%",
      "Nhớ bạn lắm An",
    ]);
    expect(tg.sentMessages(B.chatId)).toHaveLength(4);
    expect(tg.sentMessages(G.chatId)).toHaveLength(3);
    expect(tg.sentMessages(C.chatId)).toHaveLength(0);
    expect(tg.sentMessages(E.chatId)).toHaveLength(0);
    expect(
      (tg.sentMessages(A.chatId)[1]!.reply_markup as { inline_keyboard: { callback_data: string }[][] })
        .inline_keyboard[0]![0]!.callback_data,
    ).toBe("oc:off_10");

    const view = (await api("GET", "/v1/journeys/reactivation")).body;
    // Step 0 reached A, B (twice), F, G; B's day-10 order (80 000) came 3 days after it: one conversion.
    expect(view.steps[0].counts).toMatchObject({ sent: 5, converted: 1, revenue: 80_000 });
    expect(view.steps[1].counts).toMatchObject({ sent: 3, converted: 0, revenue: 0, skipped: 1 });
    expect(view.steps[2].counts).toMatchObject({ sent: 4, converted: 0, revenue: 0 });
    expect(view.lastRunAt).toBe(day(60).toISOString());

    // Disabling stops the passes.
    await api("PUT", "/v1/journeys/reactivation", { enabled: false, steps });
    await addOrder(s.database.db, merchantId, A.id, { at: day(60, 5) });
    clock.set(day(67));
    expect((await api("POST", "/v1/jobs/journeys")).body).toMatchObject({ enabled: false, queued: 0 });
  });
});
