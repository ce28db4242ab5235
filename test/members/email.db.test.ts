/** Member email through the API: stored lower-cased and trimmed, unique per merchant, validated with a field path. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("member email", () => {
  it("is stored lower-cased and trimmed, returned in the view and found by the list look-up", async () => {
    const { api } = await s.merchant();
    const r = await api("POST", "/v1/members", { phone: "0912345678", email: "  Hoa.Nguyen@Example.VN " });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ phone: "+84912345678", email: "hoa.nguyen@example.vn" });
    expect((await api("GET", `/v1/members/${r.body.id}`)).body.email).toBe("hoa.nguyen@example.vn");
    const found = await api("GET", "/v1/members?email=HOA.NGUYEN%40example.vn");
    expect(found.body.members.map((m: { id: string }) => m.id)).toEqual([r.body.id]);
    // Without one: null.
    expect((await api("POST", "/v1/members", {})).body.email).toBeNull();
  });

  it("PATCH sets and changes it; another member's email (any case) → 409 member-exists, nothing changed", async () => {
    const { api } = await s.merchant();
    const a = await api("POST", "/v1/members", { email: "a@example.vn" });
    const b = await api("POST", "/v1/members", { name: "B" });
    const p = await api("PATCH", `/v1/members/${b.body.id}`, { email: "B@Example.vn" });
    expect(p.status).toBe(200);
    expect(p.body.email).toBe("b@example.vn");

    const dup = await api("PATCH", `/v1/members/${b.body.id}`, { email: "A@EXAMPLE.VN", name: "Changed" });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ type: expect.stringMatching(/member-exists$/), field: "email" });
    expect((await api("GET", `/v1/members/${b.body.id}`)).body).toMatchObject({ email: "b@example.vn", name: "B" });

    const dupPost = await api("POST", "/v1/members", { email: " a@example.VN" });
    expect(dupPost.status).toBe(409);
    expect(dupPost.body).toMatchObject({ type: expect.stringMatching(/member-exists$/), field: "email" });
    expect((await api("GET", "/v1/members")).body.members).toHaveLength(2);
    expect((await api("GET", `/v1/members/${a.body.id}`)).body.email).toBe("a@example.vn");
  });

  it("the same email in another merchant is another member (unique per merchant only)", async () => {
    const a = await s.merchant("A");
    const b = await s.merchant("B");
    expect((await a.api("POST", "/v1/members", { email: "same@example.vn" })).status).toBe(201);
    expect((await b.api("POST", "/v1/members", { email: "same@example.vn" })).status).toBe(201);
    // Each merchant's look-up sees only its own member.
    expect((await b.api("GET", "/v1/members?email=same%40example.vn")).body.members).toHaveLength(1);
  });

  it("invalid → 400 with the field path, nothing written", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { email: "ok@example.vn" });
    const cases: unknown[] = [
      { email: "not-an-email" },
      { email: "a@b" },
      { email: "" },
      { email: 42 },
      { email: `${"x".repeat(250)}@example.vn` },
      { email: "two@@example.vn" },
    ];
    for (const body of cases) {
      const r = await api("POST", "/v1/members", { phone: "0987654321", ...(body as object) });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body.errors[0].path).toBe("email");
      const p = await api("PATCH", `/v1/members/${m.body.id}`, body);
      expect(p.status, JSON.stringify(body)).toBe(400);
      expect(p.body.errors[0].path).toBe("email");
    }
    expect((await api("GET", "/v1/members")).body.members).toHaveLength(1);
    expect((await api("GET", `/v1/members/${m.body.id}`)).body.email).toBe("ok@example.vn");
  });
});
