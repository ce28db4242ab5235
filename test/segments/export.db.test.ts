/** GET /v1/segments/{id}/export: CSV of a segment's members — consent filter, erasure, tenancy, escaping, paging. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consentEvents } from "../../src/members/tables.ts";
import { segmentCsvStream } from "../../src/segments/export.ts";
import type { Rule } from "../../src/segments/rule.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { eq } from "drizzle-orm";
import { segmentMemberIds } from "../../src/segments/service.ts";
import { segmentExportRows } from "../../src/segments/tables.ts";
import { addMember, daysAgo } from "./fixtures.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const everyone: Rule = { field: "language", op: "in", value: ["vi", "en"] };
const HEADER = "id,name,phone,email,tier,balance,last_order_date,loyalty_terms_consent,marketing_consent";

/** Reads the raw response (the API client would JSON-parse or trim nothing, but keep the bytes exact). */
async function download(key: string, path: string): Promise<Response> {
  return fetch(s.url + path, { headers: { authorization: `Bearer ${key}` } });
}

describe("GET /v1/segments/{id}/export", () => {
  it("streams a BOM, the header and the members; marketing keeps consented ones; erased ones are left out", async () => {
    const a = await s.merchant();
    const now = s.clock.now();
    const ann = await addMember(
      s.database.db,
      a.merchantId,
      { name: "Nguyễn Văn An", phone: "+84901234567", optedIn: true, pointsTotal: 500, pending: 100 },
      now,
    );
    const bob = await addMember(
      s.database.db,
      a.merchantId,
      {
        name: "Bob",
        optedIn: false,
        pointsTotal: 7,
        tierName: "Gold",
        orders: [{ at: "2026-01-15T10:00:00Z", total: 100 }],
      },
      now,
    );
    const gone = await addMember(s.database.db, a.merchantId, { name: "Gone", optedIn: true }, now);
    await s.database.db.insert(consentEvents).values({
      merchantId: a.merchantId,
      memberId: ann,
      purpose: "loyalty_terms",
      granted: true,
      channel: "api",
      wording: "terms",
    });
    expect((await a.api("POST", `/v1/members/${gone}/erase`)).status).toBe(200);
    const seg = (await a.api("POST", "/v1/segments", { name: "all", rule: everyone })).body.id;

    const service = await download(a.apiKey, `/v1/segments/${seg}/export?purpose=service`);
    expect(service.status).toBe(200);
    expect(service.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(service.headers.get("cache-control")).toBe("no-store");
    const bytes = new Uint8Array(await service.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes).slice(1);
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(HEADER);
    expect(lines.at(-1)).toBe("");
    const byId = new Map(lines.slice(1, -1).map((l) => [l.split(",")[0], l]));
    expect([...byId.keys()].sort()).toEqual([ann, bob].sort());
    expect(byId.get(ann)).toBe(`${ann},Nguyễn Văn An,+84901234567,,Member,400,,true,true`);
    expect(byId.get(bob)).toBe(`${bob},Bob,,,Gold,7,2026-01-15,,false`);

    const marketing = await (await download(a.apiKey, `/v1/segments/${seg}/export?purpose=marketing`)).text();
    expect(
      marketing
        .split("\r\n")
        .slice(1, -1)
        .map((l) => l.split(",")[0]),
    ).toEqual([ann]);

    const audit = await a.api("GET", "/v1/audit-log?action=GET%20/v1/segments/:id/export");
    expect(audit.body.entries.map((e: { after: unknown }) => e.after)).toEqual([
      { purpose: "marketing" },
      { purpose: "service" },
    ]);
  });

  it("400 without or with a bad purpose; 404 for another merchant's segment", async () => {
    const a = await s.merchant();
    const b = await s.merchant();
    const seg = (await a.api("POST", "/v1/segments", { name: "all", rule: everyone })).body.id;
    for (const q of ["", "?purpose=spam"]) {
      const r = await a.api("GET", `/v1/segments/${seg}/export${q}`);
      expect(r.status).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(JSON.stringify(r.body.errors)).toContain("purpose");
    }
    expect((await b.api("GET", `/v1/segments/${seg}/export?purpose=service`)).status).toBe(404);
    expect((await a.api("GET", "/v1/segments/recent-7/export?purpose=service")).status).toBe(200);
  });

  it("quotes per RFC 4180 and defuses formulas, but not phone numbers", async () => {
    const a = await s.merchant();
    const now = s.clock.now();
    const m1 = await addMember(s.database.db, a.merchantId, { name: '=HYPERLINK("x"),"a"', phone: "+8490" }, now);
    const m2 = await addMember(s.database.db, a.merchantId, { name: "@SUM(1)\nnext", phone: "-1+1" }, now);
    const seg = (await a.api("POST", "/v1/segments", { name: "all", rule: everyone })).body.id;
    const text = (await (await download(a.apiKey, `/v1/segments/${seg}/export?purpose=service`)).text()).replace(
      /^\uFEFF/,
      "",
    );
    expect(text).toContain(`${m1},"'=HYPERLINK(""x""),""a""",+8490,`);
    expect(text).toContain(`${m2},"'@SUM(1)\nnext",'-1+1,`);
  });
});

describe("segmentCsvStream paging", () => {
  it("pages by member id across page boundaries without loss or repeats", async () => {
    const a = await s.merchant();
    const now = s.clock.now();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(await addMember(s.database.db, a.merchantId, { name: `M${i}`, optedIn: i % 2 === 0 }, now));
    for (const size of [1, 2, 3, 7, 50]) {
      const stream = await segmentCsvStream(s.database.db, a.merchantId, everyone, "service", now, size);
      const text = await new Response(stream).text();
      const got = text
        .replace(/^\uFEFF/, "")
        .split("\r\n")
        .slice(1, -1)
        .map((l) => l.split(",")[0]);
      expect(got).toEqual([...ids].sort());
    }
    const stream = await segmentCsvStream(s.database.db, a.merchantId, everyone, "marketing", now, 2);
    const got = (await new Response(stream).text())
      .split("\r\n")
      .slice(1, -1)
      .map((l) => l.split(",")[0]);
    expect(got).toEqual(ids.filter((_, i) => i % 2 === 0).sort());
  });
});

describe("segmentCsvStream windows with order facts", () => {
  it("exports exactly the segment's members for rules on orders, stats, purchases, channels and points, any window", async () => {
    const a = await s.merchant();
    const now = s.clock.now();
    const db = s.database.db;
    // 12 members with varied facts: recent / lapsed / no orders, 1–4 orders, a category, Telegram or not, points.
    for (let i = 0; i < 12; i++) {
      const orders = Array.from({ length: i % 5 }, (_, k) => ({
        at: daysAgo(now, (i * 7 + k * 20) % 120),
        total: 100_000 + i * 1000,
        items: [{ sku: `SKU${k}`, category: i % 3 === 0 ? "tea" : "coffee" }],
      }));
      await addMember(
        db,
        a.merchantId,
        {
          name: `M${i}`,
          optedIn: i % 2 === 0,
          pointsTotal: i * 50,
          ...(i % 4 === 0 ? { pending: 20 } : {}),
          ...(i % 3 === 1 ? { channels: [{ channel: "telegram" }] } : {}),
          orders,
        },
        now,
      );
    }
    const rules: Rule[] = [
      { field: "daysSinceLastOrder", op: "between", value: [0, 27] },
      { field: "orderCount", op: "gte", value: 2, windowDays: 365 },
      {
        all: [
          { field: "daysSinceLastOrder", op: "between", value: [0, 59] },
          { field: "orderCount", op: "gte", value: 2, windowDays: 60 },
          { field: "netSpend", op: "gt", value: 100_000, windowDays: 30 },
        ],
      },
      { not: { field: "orderCount", op: "gte", value: 1 } },
      { field: "purchasedCategory", op: "in", value: ["tea"] },
      {
        any: [
          { field: "channel", op: "eq", value: "telegram" },
          { field: "pointsBalance", op: "gte", value: 300 },
        ],
      },
    ];
    for (const rule of rules) {
      const want = (await segmentMemberIds(db, a.merchantId, rule, now)).sort();
      expect(want.length, JSON.stringify(rule)).toBeGreaterThan(0);
      expect(want.length, JSON.stringify(rule)).toBeLessThan(12);
      for (const size of [1, 2, 5, 100]) {
        const text = await new Response(await segmentCsvStream(db, a.merchantId, rule, "service", now, size)).text();
        const got = text
          .replace(/^\uFEFF/, "")
          .split("\r\n")
          .slice(1, -1)
          .map((l) => l.split(",")[0]);
        expect(got, `${JSON.stringify(rule)} window ${size}`).toEqual(want);
      }
    }
    // The snapshot of matches was written (a page read while the export runs) and is gone once it ends or is cancelled.
    const left = async () =>
      (await db.select().from(segmentExportRows).where(eq(segmentExportRows.merchantId, a.merchantId))).length;
    expect(await left()).toBe(0);
    const reader = (await segmentCsvStream(db, a.merchantId, rules[1]!, "service", now, 1)).getReader();
    await reader.read(); // the header
    await reader.read(); // the first page: the snapshot is taken
    expect(await left()).toBeGreaterThan(1);
    await reader.cancel();
    expect(await left()).toBe(0);
  });
});
