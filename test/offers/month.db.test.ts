/** A simulated month with the FakeClock: cool-down between offers of the same product, frequency cap on pushes only. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { pushOfferToMember, type PromoCapPort } from "../../src/offers/service.ts";
import { recentPromoSends } from "../../src/campaigns/promo.ts";
import { memberOrder, newMember, seedHistory } from "./fixtures.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ clock: new FakeClock("2026-11-01T01:00:00Z") });
});
afterAll(async () => {
  await s.close();
});

describe("a month of offers", () => {
  it("the same product is not offered again within the cool-down; asked-for offers are never capped, pushes are (2 a day, 5 a week)", async () => {
    const { api, merchantId } = await s.merchant();
    await seedHistory(api);
    await api("POST", "/v1/recs/model/builds");
    // Daily offers that expire after a day, so the month sees many lists.
    expect((await api("PUT", "/v1/offers/settings", { validHours: 24, cooldownDays: 7 })).status).toBe(200);
    const m = await newMember(api, { name: "Trần Thị Mai" });
    const db = s.database.db;

    const shown: { at: number; id: string; skus: string[] }[] = [];
    const pushes: number[] = [];
    let capped = 0;
    for (let day = 0; day < 30; day++) {
      const dayStart = s.clock.now().getTime();
      // Orders on some days (a habit: coffee), nothing on others.
      if (day % 3 === 0) await memberOrder(api, m, day % 2 === 0 ? ["CF"] : ["TEA"]);
      // The member asks three times a day: never capped, the same list each time within the day.
      const lists = [];
      for (let k = 0; k < 3; k++) {
        const r = await api("GET", `/v1/members/${m}/offers`);
        expect(r.status).toBe(200);
        lists.push(r.body.offers as { id: string; skus: string[]; createdAt: string }[]);
        s.clock.advance(HOUR);
      }
      expect(lists[1]!.map((o) => o.id)).toEqual(lists[0]!.map((o) => o.id));
      for (const o of lists[0]!)
        if (!shown.some((x) => x.id === o.id)) shown.push({ at: Date.parse(o.createdAt), id: o.id, skus: o.skus });
      // Three proactive pushes a day: the cap lets at most 2 a day, 5 a week through.
      for (let k = 0; k < 3; k++) {
        const p = await pushOfferToMember(db, merchantId, m, s.clock.now());
        if (p.status === "ready") {
          pushes.push(s.clock.now().getTime());
          expect(p.offer.text.length).toBeGreaterThan(0);
        }
        if (p.status === "capped") capped++;
        s.clock.advance(2 * HOUR);
      }
      s.clock.set(new Date(dayStart + DAY));
    }

    // Cool-down: two different offers with the same product are at least 7 days apart.
    const bySku = new Map<string, number[]>();
    for (const o of shown) for (const sku of o.skus) bySku.set(sku, [...(bySku.get(sku) ?? []), o.at]);
    expect(bySku.size).toBeGreaterThan(2);
    for (const [sku, times] of bySku) {
      times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, sku).toBeGreaterThanOrEqual(7 * DAY);
    }
    expect(shown.length).toBeGreaterThan(10);
    // …and products do come back once their cool-down is over.
    expect([...bySku.values()].some((t) => t.length > 1)).toBe(true);

    // Frequency cap: ≤ 2 in any 24 h, ≤ 5 in any 7 × 24 h; and it did bite.
    expect(pushes.length).toBeGreaterThan(0);
    expect(capped).toBeGreaterThan(0);
    for (const t of pushes) {
      expect(pushes.filter((x) => x > t - DAY && x <= t).length).toBeLessThanOrEqual(2);
      expect(pushes.filter((x) => x > t - 7 * DAY && x <= t).length).toBeLessThanOrEqual(5);
    }
    // Only pushes are logged for the cap (the 90 GETs are not).
    const logged = await recentPromoSends(db, m, new Date(0));
    expect(logged).toHaveLength(pushes.length);
    expect(logged.every((l) => l.kind === "offer")).toBe(true);
  }, 180_000);

  it("pushOfferToMember goes through the cap port; a capped push marks nothing, a released one can be pushed again", async () => {
    const { api, merchantId } = await s.merchant();
    await seedHistory(api);
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);
    const db = s.database.db;
    const calls: string[] = [];
    let allow = false;
    const cap: PromoCapPort = {
      reserve: async (_db, input) => {
        calls.push(input.ref);
        return allow ? { ok: true, id: calls.length } : { ok: false };
      },
      release: async () => {},
    };
    expect(await pushOfferToMember(db, merchantId, m, s.clock.now(), cap)).toEqual({ status: "capped" });
    allow = true;
    const first = await pushOfferToMember(db, merchantId, m, s.clock.now(), cap);
    expect(first.status).toBe("ready");
    expect(calls[0]).toBe(calls[1]); // the capped offer was not marked pushed: the same one again
    const second = await pushOfferToMember(db, merchantId, m, s.clock.now(), cap);
    expect(second.status === "ready" && first.status === "ready" && second.offer.id !== first.offer.id).toBe(true);
    const list = (await api("GET", `/v1/members/${m}/offers`)).body.offers as { id: string; pushedAt: string | null }[];
    expect(list.filter((o) => o.pushedAt !== null)).toHaveLength(2);
    let r;
    do r = await pushOfferToMember(db, merchantId, m, s.clock.now(), cap);
    while (r.status === "ready");
    expect(r.status).toBe("none");
  });
});
