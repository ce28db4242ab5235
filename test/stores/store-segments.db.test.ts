/** The segment field `store`: has an order at one of these stores in the window (PGlite and Postgres). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const DAY = 86_400_000;

async function world(api: Api) {
  const now = s.clock.now().getTime();
  const ago = (d: number) => new Date(now - d * DAY).toISOString();
  const a = (await api("POST", "/v1/stores", { code: "A", name: "A" })).body.id as string;
  const b = (await api("POST", "/v1/stores", { code: "B", name: "B" })).body.id as string;
  const members: Record<string, string> = {};
  let n = 0;
  const order = async (who: string, storeId: string | undefined, days: number, refund = false) => {
    const externalId = `o${n++}`;
    const r = await api("POST", "/v1/orders", {
      externalId,
      memberId: members[who],
      ...(storeId ? { storeId } : {}),
      placedAt: ago(days),
      items: [{ sku: "CF", quantity: 1, unitPrice: 10_000 }],
    });
    expect(r.status).toBe(201);
    if (refund)
      expect((await api("POST", `/v1/orders/${externalId}/refunds`, { externalId: `r${n}` })).status).toBe(201);
  };
  for (const [i, k] of ["atA", "atB", "atBoth", "oldA", "refundedA", "noStore", "none"].entries())
    members[k] = (await api("POST", "/v1/members", { phone: `091300000${i}` })).body.id;
  await order("atA", a, 5);
  await order("atB", b, 10);
  await order("atBoth", a, 1);
  await order("atBoth", b, 2);
  await order("oldA", a, 120);
  await order("refundedA", a, 3, true);
  await order("noStore", undefined, 1);
  const names = Object.fromEntries(Object.entries(members).map(([k, v]) => [v, k]));
  return { a, b, names };
}

describe("segment field store", () => {
  it("eq / in / neq, windowDays (default 90), refunded-in-full orders do not count", async () => {
    const { api } = await s.merchant();
    const { a, b, names } = await world(api);
    const match = async (rule: unknown) => {
      const seg = await api("POST", "/v1/segments", { name: "x", rule });
      expect(seg.status, JSON.stringify(seg.body)).toBe(201);
      const p = await api("GET", `/v1/segments/${seg.body.id}/preview`);
      expect(p.body.count).toBe(p.body.sample.length);
      return p.body.sample.map((m: { id: string }) => names[m.id]).sort();
    };
    expect(await match({ field: "store", op: "eq", value: a })).toEqual(["atA", "atBoth"]);
    expect(await match({ field: "store", op: "in", value: [a, b] })).toEqual(["atA", "atB", "atBoth"]);
    expect(await match({ field: "store", op: "eq", value: a, windowDays: 365 })).toEqual(["atA", "atBoth", "oldA"]);
    expect(await match({ field: "store", op: "eq", value: b, windowDays: 7 })).toEqual(["atBoth"]);
    expect(await match({ field: "store", op: "neq", value: a })).toEqual([
      "atB",
      "noStore",
      "none",
      "oldA",
      "refundedA",
    ]);
    expect(
      await match({ all: [{ field: "store", op: "eq", value: b }, { not: { field: "store", op: "eq", value: a } }] }),
    ).toEqual(["atB"]);
  });

  it("an unknown or another merchant's store id → 400 at the value's path; archived stores are fine", async () => {
    const { api } = await s.merchant();
    const other = await s.merchant();
    const foreign = (await other.api("POST", "/v1/stores", { code: "F", name: "F" })).body.id;
    const mine = (await api("POST", "/v1/stores", { code: "M", name: "M" })).body.id;
    await api("DELETE", `/v1/stores/${mine}`);
    const bad = await api("POST", "/v1/segments", {
      name: "x",
      rule: {
        all: [
          { field: "optedIn", op: "eq", value: true },
          { field: "store", op: "in", value: [mine, foreign] },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: "rule.all.1.value.1", message: `unknown store ${foreign}` }]);
    const okSeg = await api("POST", "/v1/segments", { name: "x", rule: { field: "store", op: "eq", value: mine } });
    expect(okSeg.status).toBe(201);
    const put = await api("PUT", `/v1/segments/${okSeg.body.id}`, {
      name: "x",
      rule: { not: { field: "store", op: "eq", value: "sto_nope" } },
    });
    expect(put.status).toBe(400);
    expect(put.body.errors[0].path).toBe("rule.not.value");
  });
});
