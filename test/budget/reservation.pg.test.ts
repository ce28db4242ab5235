/**
 * The budget check is a reservation (real Postgres, concurrent connections): two campaign starts at the same moment
 * against a blocking budget that fits only one → exactly one starts, the other is refused 409 over-budget and writes
 * nothing; once the first is done its reservation no longer holds the budget.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { col, queryRows } from "../../src/db/rows.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { testDbKind } from "../helpers/db.ts";
import { addMember, daysAgo } from "../segments/fixtures.ts";

let s: TestServer;
const clock = new FakeClock(new Date("2026-11-20T03:00:00Z"));
const TEMPLATE = "231001";

beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => {
  await s.close();
});

const count = async (q: ReturnType<typeof sql>) => (await queryRows(s.database.db, q, z.object({ n: col.num })))[0]!.n;

describe("budget reservations", () => {
  it("two simultaneous starts cannot both pass a budget that fits one", async () => {
    expect(testDbKind()).toBe("postgres");
    const { api, merchantId } = await s.merchant();
    for (let i = 0; i < 3; i++)
      await addMember(
        s.database.db,
        merchantId,
        { optedIn: true, phone: `+8491400000${i}`, orders: [{ at: daysAgo(clock.now(), 8) }] },
        clock.now(),
      );
    await api("PUT", `/v1/zns/templates/${TEMPLATE}`, { name: "Điểm", tag: "promotion", params: {} });
    await api("PUT", "/v1/zns/settings", { mode: "production", pricePerMessage: 300 });
    // Each campaign: 3 ZNS messages × 300 = 900; the month's spend budget fits one.
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 1000 } });
    const ids: string[] = [];
    for (const name of ["A", "B"]) {
      const c = await api("POST", "/v1/campaigns", {
        name,
        segmentId: "recent-7",
        message: { vi: "Chào" },
        znsTemplateId: TEMPLATE,
        controlPercent: 0,
      });
      expect(c.status).toBe(201);
      ids.push(c.body.id);
    }
    const results = await Promise.all(ids.map((id) => api("POST", `/v1/campaigns/${id}/send`)));
    expect(results.map((r) => r.status).sort()).toEqual([202, 409]);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body.type).toMatch(/over-budget$/);
    const startedId = ids[results.findIndex((r) => r.status === 202)]!;
    const refusedId = ids.find((id) => id !== startedId)!;
    expect(await count(sql`select count(*) as n from deliveries where campaign_id = ${refusedId}`)).toBe(0);
    expect(await count(sql`select count(*) as n from budget_reservations where merchant_id = ${merchantId}`)).toBe(1);

    const report = await api("GET", "/v1/budget/report");
    expect(report.body.current.reserved).toEqual({ points: 0, spend: 900 });

    // The reservation holds while the started campaign is sending; once it is over it holds nothing.
    expect((await api("POST", `/v1/campaigns/${refusedId}/send`)).status).toBe(409);
    await s.database.db.execute(sql`update campaigns set status = 'done' where id = ${startedId}`);
    expect((await api("POST", `/v1/campaigns/${refusedId}/send`)).status).toBe(202);
    expect((await api("GET", "/v1/budget/report")).body.current.reserved).toEqual({ points: 0, spend: 900 });
  });
});
