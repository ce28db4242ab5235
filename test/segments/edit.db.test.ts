/** PUT and DELETE /v1/segments/{id}, and POST /v1/campaigns/preview: validation, tenancy, built-ins, in use. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const rule = (value: string) => ({ field: "language", op: "eq", value });

describe("PUT/DELETE /v1/segments/{id}", () => {
  it("replaces name and rule; bad rules → 400 by path; built-ins and other merchants' ids refused", async () => {
    const a = await s.merchant();
    const b = await s.merchant();
    const id = (await a.api("POST", "/v1/segments", { name: "vi", rule: rule("vi") })).body.id;
    const put = await a.api("PUT", `/v1/segments/${id}`, { name: "English", rule: rule("en") });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, name: "English", rule: rule("en"), builtIn: false });
    const bad = await a.api("PUT", `/v1/segments/${id}`, { name: "x", rule: { field: "nope", op: "eq", value: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(JSON.stringify(bad.body.errors)).toContain("rule.field");
    expect((await a.api("GET", `/v1/segments/${id}`)).body.name).toBe("English");
    expect((await b.api("PUT", `/v1/segments/${id}`, { name: "mine", rule: rule("vi") })).status).toBe(404);
    expect((await b.api("DELETE", `/v1/segments/${id}`)).status).toBe(404);
    const builtIn = await a.api("PUT", "/v1/segments/recent-7", { name: "x", rule: rule("vi") });
    expect(builtIn.status).toBe(409);
    expect(builtIn.body.type).toContain("built-in-segment");
    expect((await a.api("DELETE", "/v1/segments/recent-28")).status).toBe(409);
  });

  it("refuses to delete a segment a pending campaign or the journey uses (409 with usedBy), then deletes", async () => {
    const a = await s.merchant();
    const id = (await a.api("POST", "/v1/segments", { name: "vi", rule: rule("vi") })).body.id;
    const c = (await a.api("POST", "/v1/campaigns", { name: "Draft one", segmentId: id, message: { vi: "x" } })).body;
    await a.api("PUT", "/v1/journeys/reactivation", {
      enabled: false,
      steps: [{ segmentId: id, message: { vi: "y" } }],
    });
    const refused = await a.api("DELETE", `/v1/segments/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.usedBy).toEqual(["campaign Draft one", "journey reactivation"]);
    await a.api("POST", `/v1/campaigns/${c.id}/cancel`);
    await a.api("PUT", "/v1/journeys/reactivation", { enabled: false, steps: [] });
    expect((await a.api("DELETE", `/v1/segments/${id}`)).status).toBe(204);
    expect((await a.api("GET", `/v1/segments/${id}`)).status).toBe(404);
  });
});

describe("POST /v1/campaigns/preview", () => {
  it("renders for the segment's sample member in their language, then the other; an empty segment renders nameless", async () => {
    const a = await s.merchant();
    await addMember(
      s.database.db,
      a.merchantId,
      { name: "Emily Carter", language: "en", pointsTotal: 2500 },
      s.clock.now(),
    );
    const seg = (await a.api("POST", "/v1/segments", { name: "en", rule: rule("en") })).body.id;
    const r = await a.api("POST", "/v1/campaigns/preview", {
      segmentId: seg,
      message: { vi: "Chào {{firstName}}: {{points}} điểm", en: "Hi {{firstName}}: {{points}} points" },
      offerId: "bnd_x",
    });
    expect(r.status).toBe(200);
    expect(r.body.count).toBe(1);
    expect(r.body.member).toMatchObject({ name: "Emily Carter", language: "en", points: 2500 });
    expect(r.body.texts.map((t: { text: string }) => t.text)).toEqual([
      "Hi Emily: 2,500 points",
      "Chào Emily: 2.500 điểm",
    ]);
    expect(r.body.texts[0].buttons).toEqual(["Claim offer", "Stop promotions"]);
    const empty = await a.api("POST", "/v1/campaigns/preview", {
      segmentId: "recent-7",
      message: { vi: "Chào {{firstName}}" },
    });
    expect(empty.body).toMatchObject({ count: 0, member: null, texts: [{ lang: "vi", text: "Chào bạn" }] });
    const bad = await a.api("POST", "/v1/campaigns/preview", { segmentId: seg, message: { vi: "{{nope}}" } });
    expect(bad.status).toBe(400);
    expect(
      (await (await s.merchant()).api("POST", "/v1/campaigns/preview", { segmentId: seg, message: { vi: "x" } }))
        .status,
    ).toBe(404);
  });
});
