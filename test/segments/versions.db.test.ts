/** GET /v1/segments/{id}/versions: one version per create, update and delete, kept after delete, merchant-scoped. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const rule = (value: string) => ({ field: "language", op: "eq", value });

describe("GET /v1/segments/{id}/versions", () => {
  it("numbers create, update and delete; still answers after the delete; 404 for another merchant", async () => {
    const a = await s.merchant();
    const b = await s.merchant();
    const id = (await a.api("POST", "/v1/segments", { name: "vi", rule: rule("vi") })).body.id;
    expect((await a.api("PUT", `/v1/segments/${id}`, { name: "English", rule: rule("en") })).status).toBe(200);
    // A refused change writes no version.
    const bad = await a.api("PUT", `/v1/segments/${id}`, { name: "x", rule: { field: "nope", op: "eq", value: 1 } });
    expect(bad.status).toBe(400);
    expect((await a.api("DELETE", `/v1/segments/${id}`)).status).toBe(204);

    const r = await a.api("GET", `/v1/segments/${id}/versions`);
    expect(r.status).toBe(200);
    expect(
      r.body.versions.map((v: { version: number; action: string; name: string }) => [v.version, v.action, v.name]),
    ).toEqual([
      [3, "delete", "English"],
      [2, "update", "English"],
      [1, "create", "vi"],
    ]);
    expect(r.body.versions[2].rule).toEqual(rule("vi"));
    expect(r.body.versions[0].actor).toMatch(/^key:/);
    expect((await b.api("GET", `/v1/segments/${id}/versions`)).status).toBe(404);
    expect((await a.api("GET", "/v1/segments/seg_nope/versions")).status).toBe(404);
  });

  it("concurrent updates of one segment get distinct versions", async () => {
    const a = await s.merchant();
    const id = (await a.api("POST", "/v1/segments", { name: "s", rule: rule("vi") })).body.id;
    const puts = await Promise.all(
      [1, 2, 3, 4].map((i) => a.api("PUT", `/v1/segments/${id}`, { name: `n${i}`, rule: rule("en") })),
    );
    expect(puts.map((p) => p.status)).toEqual([200, 200, 200, 200]);
    const v = (await a.api("GET", `/v1/segments/${id}/versions`)).body.versions;
    expect(v.map((x: { version: number }) => x.version)).toEqual([5, 4, 3, 2, 1]);
  });
});
