/** Real-Postgres concurrency: parallel GETs make one list, parallel claims one code, parallel orders one credit. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { line, memberOrder, newMember, nextId, seedHistory } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("offers under concurrency (Postgres)", () => {
  it("parallel GETs agree; parallel claims get one code; parallel orders with the code credit the bonus once", async () => {
    const { api } = await s.merchant();
    await seedHistory(api);
    await api("POST", "/v1/recs/model/builds");
    const m = await newMember(api);
    await memberOrder(api, m, ["CF"]);

    const lists = await Promise.all(Array.from({ length: 8 }, () => api("GET", `/v1/members/${m}/offers`)));
    const ids = lists.map((r) => r.body.offers.map((o: { id: string }) => o.id).join(","));
    expect(new Set(ids).size).toBe(1);
    const offer = lists[0]!.body.offers.find((o: { kind: string }) => o.kind === "cross-sell");

    const claims = await Promise.all(
      Array.from({ length: 10 }, () => api("POST", `/v1/members/${m}/offers/${offer.id}/claims`)),
    );
    expect(claims.filter((c) => c.status === 201)).toHaveLength(1);
    expect(claims.filter((c) => c.status === 200)).toHaveLength(9);
    expect(new Set(claims.map((c) => c.body.code)).size).toBe(1);
    const code = claims[0]!.body.code;

    const orders = await Promise.all(
      Array.from({ length: 6 }, () =>
        api("POST", "/v1/orders", {
          externalId: nextId("P"),
          memberId: m,
          offerCodes: [code],
          items: [line(offer.sku)],
        }),
      ),
    );
    expect(orders.every((o) => o.status === 201)).toBe(true);
    const ledger = (await api("GET", `/v1/members/${m}/ledger?limit=500`)).body.entries;
    const bonus = ledger.filter(
      (e: { kind: string; reason: string | null }) => e.kind === "bonus" && (e.reason ?? "").includes(offer.id),
    );
    expect(bonus).toHaveLength(1);
    expect(bonus[0].points).toBe(offer.bonusPoints);
    const member = (await api("GET", `/v1/members/${m}`)).body;
    expect(ledger.reduce((a: number, e: { points: number }) => a + e.points, 0)).toBe(member.points.balance);
  });
});
