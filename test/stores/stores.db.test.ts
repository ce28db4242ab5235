import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("/v1/stores", () => {
  it("creates, lists, reads, updates and archives stores", async () => {
    const { api } = await s.merchant();
    const a = await api("POST", "/v1/stores", { code: "HN-01", name: "Hà Nội 1", address: "1 Tràng Tiền" });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ code: "HN-01", name: "Hà Nội 1", address: "1 Tràng Tiền", archived: false });
    expect(a.body.id).toMatch(/^sto_/);
    const b = await api("POST", "/v1/stores", { code: "HCM-01", name: "Sài Gòn 1" });
    expect(b.body.address).toBeNull();

    const list = await api("GET", "/v1/stores");
    expect(list.body.stores.map((x: { code: string }) => x.code)).toEqual(["HCM-01", "HN-01"]);

    const upd = await api("PATCH", `/v1/stores/${b.body.id}`, { name: "Sài Gòn Q1", address: "2 Lê Lợi" });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ code: "HCM-01", name: "Sài Gòn Q1", address: "2 Lê Lợi" });
    const cleared = await api("PATCH", `/v1/stores/${b.body.id}`, { address: null });
    expect(cleared.body.address).toBeNull();

    const del = await api("DELETE", `/v1/stores/${a.body.id}`);
    expect(del.status).toBe(200);
    expect(del.body.archived).toBe(true);
    const again = await api("DELETE", `/v1/stores/${a.body.id}`);
    expect(again.body.archivedAt).toBe(del.body.archivedAt);
    expect((await api("GET", `/v1/stores/${a.body.id}`)).body.archived).toBe(true);
    expect((await api("GET", "/v1/stores")).body.stores).toHaveLength(1);
    expect((await api("GET", "/v1/stores?archived=true")).body.stores.map((x: { id: string }) => x.id)).toEqual([
      a.body.id,
    ]);
    expect((await api("GET", "/v1/stores?archived=all")).body.stores).toHaveLength(2);
  });

  it("refuses bad input (400 with paths) and duplicate codes (409), archived included", async () => {
    const { api } = await s.merchant();
    for (const [body, path] of [
      [{ name: "x" }, "code"],
      [{ code: "", name: "x" }, "code"],
      [{ code: "has space", name: "x" }, "code"],
      [{ code: "A\u0000", name: "x" }, "code"],
      [{ code: "A1", name: "  " }, "name"],
      [{ code: "A1", name: "x", address: 5 }, "address"],
    ] as const) {
      const bad = await api("POST", "/v1/stores", body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.errors[0].path).toBe(path);
    }
    const a = await api("POST", "/v1/stores", { code: "A1", name: "A" });
    await api("DELETE", `/v1/stores/${a.body.id}`);
    const dup = await api("POST", "/v1/stores", { code: "A1", name: "again" });
    expect(dup.status).toBe(409);
    expect(dup.body.type).toMatch(/duplicate-store-code$/);
    const b = await api("POST", "/v1/stores", { code: "B1", name: "B" });
    const dupPatch = await api("PATCH", `/v1/stores/${b.body.id}`, { code: "A1" });
    expect(dupPatch.status).toBe(409);
    expect((await api("GET", "/v1/stores?archived=all")).body.stores).toHaveLength(2);
  });

  it("another merchant's store is 404 everywhere, and codes are per merchant", async () => {
    const one = await s.merchant();
    const two = await s.merchant();
    const a = await one.api("POST", "/v1/stores", { code: "X1", name: "X" });
    expect((await two.api("POST", "/v1/stores", { code: "X1", name: "X" })).status).toBe(201);
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "stolen" }],
      ["DELETE", undefined],
    ] as const) {
      const r = await two.api(method, `/v1/stores/${a.body.id}`, body);
      expect(r.status).toBe(404);
      expect(r.body.type).toMatch(/store-not-found$/);
    }
    expect((await one.api("GET", `/v1/stores/${a.body.id}`)).body).toMatchObject({ name: "X", archived: false });
  });
});
