/** Parallel deliveries on real Postgres: one earn per platform object, one member per new phone, invariants hold. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { checkInvariants } from "../ledger/invariants.ts";
import { b64, connect, fixture, memberByPhone, postHook, SECRET } from "./helpers.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("integrations under concurrency (Postgres)", () => {
  it("the same order delivered 10× at once earns once; 5 orders of one new customer enrol one member", async () => {
    const { api, merchantId } = await s.merchant();
    const c = await connect(api, "shopify");
    const create = fixture("shopify-orders-create.json");
    const send = (body: string) =>
      postHook(s.url, c.path, body, {
        "x-shopify-topic": "orders/create",
        "x-shopify-hmac-sha256": b64(SECRET, body),
      });
    const same = await Promise.all(Array.from({ length: 10 }, () => send(create)));
    expect(same.every((r) => r.status === 200)).toBe(true);
    expect(same.filter((r) => r.body.outcome === "applied")).toHaveLength(1);
    expect(same.filter((r) => r.body.outcome === "duplicate")).toHaveLength(9);
    expect((await memberByPhone(api, "+84912000001"))?.points.total).toBe(52);

    const others = Array.from({ length: 5 }, (_, i) =>
      create
        .replaceAll("820982911946154508", `82098291194615460${i}`)
        .replace("+84912000001", "+84912000009")
        // A new customer: another email too (the first one's email now finds the member enrolled above).
        .replaceAll("@example.com", "@new.example.com"),
    );
    const results = await Promise.all(others.map(send));
    expect(results.map((r) => r.body.outcome)).toEqual(Array(5).fill("applied"));
    const members = (await api("GET", "/v1/members?phone=%2B84912000009")).body.members;
    expect(members).toHaveLength(1);
    expect(members[0].points.total).toBe(5 * 52);
    expect(members[0].email).toBe("jon@new.example.com");
    expect(await checkInvariants(s.database.db, merchantId)).toEqual([]);
  });
});
