import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("health, auth, OpenAPI, errors", () => {
  it("GET /healthz answers ok without auth", async () => {
    const r = await apiClient(s.url)("GET", "/healthz");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok" }); // the contract's body, to the letter
    expect(r.headers.get("x-version")).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("echoes a caller's request id", async () => {
    const r = await fetch(`${s.url}/healthz`, { headers: { "x-request-id": "pos-42.abc" } });
    expect(r.headers.get("x-request-id")).toBe("pos-42.abc");
  });

  it("serves an OpenAPI 3.1 document without auth, covering the fixed paths", async () => {
    const r = await apiClient(s.url)("GET", "/v1/openapi.json");
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe("3.1.0");
    for (const p of [
      "/v1/program",
      "/v1/members",
      "/v1/members/{id}",
      "/v1/members/{id}/ledger",
      "/v1/orders",
      "/v1/orders/{externalId}/refunds",
      "/v1/rewards",
      "/v1/members/{id}/redemptions",
      "/v1/vouchers/{code}/use",
      "/v1/jobs/expire",
    ]) {
      expect(Object.keys(r.body.paths)).toContain(p);
    }
    const order = r.body.paths["/v1/orders"].post.requestBody.content["application/json"].schema;
    expect(order.required).toEqual(expect.arrayContaining(["externalId", "items"]));
  });

  it("rejects missing, malformed and unknown API keys with 401 problem+json", async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer" },
      { authorization: "Basic abc" },
      { authorization: "Bearer ck_live_nope" },
    ];
    for (const headers of variants) {
      const r = await fetch(`${s.url}/v1/members`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      const body = (await r.json()) as { type: string; status: number; title: string; detail: string };
      expect(body.type).toMatch(/\/unauthorized$/);
      expect(body.status).toBe(401);
      expect(body.title).toBeTruthy();
      expect(body.detail).toBeTruthy();
    }
  });

  it("unknown routes are 404 problems", async () => {
    const { api } = await s.merchant();
    const r = await api("GET", "/v1/nothing-here");
    expect(r.status).toBe(404);
    expect(r.body.type).toMatch(/\/not-found$/);
  });

  it("malformed JSON → 400 and nothing written", async () => {
    const { api } = await s.merchant();
    const r = await api("POST", "/v1/members", "{not json");
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.type).toMatch(/\/validation$/);
    expect(r.body.errors).toEqual([{ path: "", message: "malformed JSON" }]);
    const list = await api("GET", "/v1/members");
    expect(list.body.members).toEqual([]);
  });

  it("bodies over 1 MiB → 413", async () => {
    const { api, apiKey } = await s.merchant();
    const big = JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) });
    // Its own connection: the server answers before reading the body and closes it.
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${s.url}/v1/members`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", connection: "close" },
        },
        (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end(big);
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).type).toMatch(/payload-too-large$/);
    expect((await api("GET", "/v1/members")).body.members).toEqual([]);
  });
});

describe("program", () => {
  it("defaults when none was set, and PUT replaces with defaults for left-out fields", async () => {
    const { api } = await s.merchant();
    const g = await api("GET", "/v1/program");
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({
      currency: "VND",
      earn: { spend: 10000, points: 1 },
      pointsExpireDays: null,
      tiers: [{ name: "Member", minSpend: 0, multiplier: 1 }],
      pendingDays: 0,
    });
    const body = {
      currency: "VND",
      earn: { spend: 10000, points: 1 },
      pointsExpireDays: 365,
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      ],
      categoryMultipliers: { coffee: 2 },
    };
    const p = await api("PUT", "/v1/program", body);
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject(body);
    expect(p.body.pendingDays).toBe(0);
    const p2 = await api("PUT", "/v1/program", { pointsExpireDays: 30 });
    expect(p2.body.categoryMultipliers).toEqual({});
    expect(p2.body.tiers).toEqual([{ name: "Member", minSpend: 0, multiplier: 1 }]);
  });

  it("rejects bad program fields with field paths", async () => {
    const { api } = await s.merchant();
    const cases: [unknown, string][] = [
      [{ earn: { spend: 0, points: 1 } }, "earn.spend"],
      [{ earn: { spend: 10000, points: 1.5 } }, "earn.points"],
      [{ tiers: [{ name: "A", minSpend: 0, multiplier: 1.23456 }] }, "tiers.0.multiplier"],
      [{ tiers: [] }, "tiers"],
      [{ categoryMultipliers: { coffee: "2" } }, "categoryMultipliers.coffee"],
      [{ pointsExpireDays: -1 }, "pointsExpireDays"],
      [{ currency: "dong" }, "currency"],
    ];
    for (const [body, path] of cases) {
      const r = await api("PUT", "/v1/program", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.type).toMatch(/\/validation$/);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const g = await api("GET", "/v1/program");
    expect(g.body.earn).toEqual({ spend: 10000, points: 1 });
  });
});

describe("members", () => {
  it("enrols with E.164 phone normalisation, reads back, 409 on duplicates", async () => {
    const { api } = await s.merchant();
    const r = await api("POST", "/v1/members", {
      phone: "0912 345 678",
      name: "Nguyễn Văn Hoa",
      birthday: "1990-05-01",
      language: "vi",
      externalId: "C-1",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      phone: "+84912345678",
      name: "Nguyễn Văn Hoa",
      tier: { name: "Member" },
      points: { balance: 0 },
      channels: [],
    });
    const g = await api("GET", `/v1/members/${r.body.id}`);
    expect(g.status).toBe(200);
    expect(g.body.id).toBe(r.body.id);
    expect((await api("POST", "/v1/members", { phone: "+84912345678" })).status).toBe(409);
    expect((await api("POST", "/v1/members", { externalId: "C-1" })).status).toBe(409);
    expect((await api("POST", "/v1/members", { phone: "84912345678" })).status).toBe(409);
    const ok = await api("POST", "/v1/members", {});
    expect(ok.status).toBe(201);
  });

  it("validates member input", async () => {
    const { api } = await s.merchant();
    const cases: [unknown, string][] = [
      [{ phone: "12ab" }, "phone"],
      [{ phone: 912345678 }, "phone"],
      [{ birthday: "1990-13-01" }, "birthday"],
      [{ language: "fr" }, "language"],
      [{ name: "" }, "name"],
    ];
    for (const [body, path] of cases) {
      const r = await api("POST", "/v1/members", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors[0].path).toBe(path);
    }
    expect((await api("GET", "/v1/members")).body.members).toHaveLength(0);
  });

  it("isolates merchants: another merchant's member is 404, never the data", async () => {
    const a = await s.merchant("A");
    const b = await s.merchant("B");
    const m = await a.api("POST", "/v1/members", { phone: "0987654321" });
    for (const path of [
      `/v1/members/${m.body.id}`,
      `/v1/members/${m.body.id}/ledger`,
      `/v1/members/${m.body.id}/vouchers`,
    ]) {
      const r = await b.api("GET", path);
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain("0987654321");
    }
    expect(
      (
        await b.api("POST", "/v1/orders", {
          externalId: "X",
          memberId: m.body.id,
          items: [{ sku: "A", quantity: 1, unitPrice: 10000 }],
        })
      ).status,
    ).toBe(404);
    expect((await b.api("POST", `/v1/members/${m.body.id}/adjustments`, { points: 5, reason: "x" })).status).toBe(404);
    // The same phone may exist at both merchants.
    expect((await b.api("POST", "/v1/members", { phone: "0987654321" })).status).toBe(201);
    expect((await b.api("GET", "/v1/members")).body.members).toHaveLength(1);
  });

  it("looks members up by phone in any format", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0901112233" });
    const r = await api("GET", "/v1/members?phone=%2B84901112233");
    expect(r.body.members.map((x: { id: string }) => x.id)).toEqual([m.body.id]);
    const p = await api("PATCH", `/v1/members/${m.body.id}`, { name: "Lê Minh", language: "en" });
    expect(p.body).toMatchObject({ name: "Lê Minh", language: "en" });
  });
  it("the ledger lists every entry unless a limit pages it (Σ entries = balance)", async () => {
    const { api } = await s.merchant();
    const m = await api("POST", "/v1/members", { phone: "0901112299" });
    for (let i = 0; i < 105; i++)
      await api("POST", `/v1/members/${m.body.id}/adjustments`, { points: 1, reason: `a${i}` });
    const all = await api("GET", `/v1/members/${m.body.id}/ledger`);
    expect(all.body.entries).toHaveLength(105);
    expect(all.body.next).toBeNull();
    const balance = (await api("GET", `/v1/members/${m.body.id}`)).body.points.balance;
    expect(all.body.entries.reduce((a: number, e: { points: number }) => a + e.points, 0)).toBe(balance);
    const page = await api("GET", `/v1/members/${m.body.id}/ledger?limit=100`);
    expect(page.body.entries).toHaveLength(100);
    const rest = await api("GET", `/v1/members/${m.body.id}/ledger?limit=100&before=${page.body.next}`);
    expect(rest.body.entries).toHaveLength(5);
  });
});
