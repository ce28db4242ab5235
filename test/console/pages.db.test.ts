/**
 * The console's campaigns, journeys, catalog, recommendations, program extras and segment edit/delete pages over
 * real HTTP (no browser): each form's effect in the database through the same services as /v1, errors in place by
 * path, and never another merchant's data. The browser flows are in test/e2e/console.test.ts.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaigns, deliveries } from "../../src/campaigns/tables.ts";
import { products } from "../../src/db/schema.ts";
import { getJourney } from "../../src/journeys/service.ts";
import { getProgram } from "../../src/program/service.ts";
import { segments } from "../../src/segments/tables.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember, daysAgo } from "../segments/fixtures.ts";
import { consoleHttp } from "./http.ts";

let s: TestServer;
let a: Awaited<ReturnType<TestServer["merchant"]>>;
let b: Awaited<ReturnType<TestServer["merchant"]>>;
let http: ReturnType<typeof consoleHttp>;
let cookieA: string;
let segB: string;
let campaignB: string;

beforeAll(async () => {
  s = await startTestServer();
  http = consoleHttp(s);
  a = await s.merchant("Shop A");
  b = await s.merchant("Shop B");
  const now = s.clock.now();
  for (const [name, language] of [
    ["Lan", "vi"],
    ["Emily", "en"],
  ] as const)
    await addMember(
      s.database.db,
      a.merchantId,
      {
        name,
        language,
        optedIn: true,
        pointsTotal: 1234,
        channels: [{ channel: "telegram" }],
        orders: [{ at: daysAgo(now, 8), total: 50_000 }],
      },
      now,
    );
  await addMember(
    s.database.db,
    b.merchantId,
    { name: "Secret Bình", optedIn: true, channels: [{ channel: "telegram" }] },
    now,
  );
  segB = (
    await b.api("POST", "/v1/segments", { name: "Secret B segment", rule: { field: "optedIn", op: "eq", value: true } })
  ).body.id;
  campaignB = (
    await b.api("POST", "/v1/campaigns", { name: "Secret B campaign", segmentId: segB, message: { vi: "Bí mật B" } })
  ).body.id;
  await b.api("PUT", "/v1/products/SECRET-B", { name: "Secret B product", listPrice: 99_000 });
  cookieA = await http.signIn(a.apiKey);
});
afterAll(async () => {
  await s?.close();
});

const html = async (r: Response) => r.text();

/** The catalog's CSV upload, as the browser sends it (multipart, from this origin). */
async function upload(csv: string) {
  const body = new FormData();
  body.set("csv", new File([csv], "products.csv", { type: "text/csv" }));
  return fetch(`${s.url}/console/catalog/import`, {
    method: "POST",
    headers: { cookie: cookieA, origin: s.url },
    body,
    redirect: "manual",
  });
}

describe("console campaigns", () => {
  it("previews the message for a sample member of the segment, in their language, with the offer button", async () => {
    const r = await http.post(
      "/console/campaigns/preview",
      {
        segmentId: "recent-7",
        "message.vi": "Chào {{firstName}}, bạn có {{points}} điểm",
        "message.en": "Hi {{firstName}}",
      },
      cookieA,
    );
    expect(r.status).toBe(200);
    const body = await html(r);
    expect(body).toContain('id="preview-count">2<');
    // The sample is one of the two members; both languages render, each with the member's figures.
    expect(body).toMatch(/Chào (Lan|Emily), bạn có 1\.234 điểm/);
    expect(body).toMatch(/Hi (Lan|Emily)/);
    const bad = await html(
      await http.post("/console/campaigns/preview", { segmentId: "recent-7", "message.vi": "{{oops}}" }, cookieA),
    );
    expect(bad).toContain('data-field="message.vi"');
    expect(bad).toContain("unknown placeholder {{oops}}");
  });

  it("creates and sends a campaign (recipients fixed, KPIs with the control group); errors in place; cancel a draft", async () => {
    const bad = await http.post(
      "/console/campaigns",
      { name: "", segmentId: "recent-7", "message.vi": "", action: "send" },
      cookieA,
    );
    expect(bad.status).toBe(400);
    const badHtml = await html(bad);
    expect(badHtml).toContain('data-field="name"');
    expect(badHtml).toContain('data-field="message"');
    const noTime = await http.post(
      "/console/campaigns",
      { name: "Later", segmentId: "recent-7", "message.vi": "Chào", action: "schedule", sendAt: "" },
      cookieA,
    );
    expect(noTime.status).toBe(400);
    expect(await html(noTime)).toContain('data-field="sendAt"');

    const res = await http.post(
      "/console/campaigns",
      {
        name: "Come back",
        segmentId: "recent-7",
        "message.vi": "Chào {{firstName}}",
        controlPercent: "0",
        action: "send",
      },
      cookieA,
    );
    expect(res.status).toBe(303);
    const id = /\/console\/campaigns\/(cmp_[a-z0-9]+)/.exec(res.headers.get("location") ?? "")![1]!;
    const [row] = await s.database.db.select().from(campaigns).where(eq(campaigns.id, id));
    expect(row).toMatchObject({ merchantId: a.merchantId, status: "sending", recipients: 2 });
    const page = await html(await http.get(`/console/campaigns/${id}?ok=sending`, cookieA));
    expect(page).toContain('data-status="sending"');
    expect(page).toContain(`hx-get="/console/campaigns/${id}/progress"`);
    expect(page).toContain('id="kpis"');
    const progress = await html(await http.get(`/console/campaigns/${id}/progress`, cookieA));
    expect(progress).toContain('id="counts"');
    expect((await s.database.db.select().from(deliveries).where(eq(deliveries.campaignId, id))).length).toBe(2);

    const sched = await http.post(
      "/console/campaigns",
      {
        name: "Tết",
        segmentId: "recent-7",
        "message.vi": "Chúc mừng năm mới",
        action: "schedule",
        sendAt: "2027-01-28T09:00",
      },
      cookieA,
    );
    expect(sched.status).toBe(303);
    const [tet] = await s.database.db.select().from(campaigns).where(eq(campaigns.name, "Tết"));
    // 09:00 in Ho Chi Minh City (UTC+7).
    expect(tet).toMatchObject({ status: "scheduled", sendAt: new Date("2027-01-28T02:00:00Z") });
    expect((await http.post(`/console/campaigns/${tet!.id}/cancel`, {}, cookieA)).status).toBe(303);
    const [cancelled] = await s.database.db.select().from(campaigns).where(eq(campaigns.id, tet!.id));
    expect(cancelled!.status).toBe("cancelled");
    const list = await html(await http.get("/console/campaigns", cookieA));
    expect(list).toContain("Come back");
    expect(list).toContain("Tết");
  });
});

describe("console journey", () => {
  it("suggests the 7/14/28-day steps, saves the journey through JourneyConfigSchema, runs a pass", async () => {
    const first = await html(await http.get("/console/journeys", cookieA));
    expect(first).toContain('<option value="recent-28" selected');
    const bad = await http.post(
      "/console/journeys",
      {
        enabled: "on",
        attributionDays: "7",
        "steps.0.segmentId": "recent-7",
        "steps.0.message.vi": "",
        "steps.1.segmentId": "",
      },
      cookieA,
    );
    expect(bad.status).toBe(400);
    expect(await html(bad)).toContain('data-field="steps.0.message"');
    const ok = await http.post(
      "/console/journeys",
      {
        enabled: "on",
        attributionDays: "5",
        "steps.0.segmentId": "",
        "steps.0.message.vi": "dropped",
        "steps.1.segmentId": "recent-7",
        "steps.1.message.vi": "Lâu rồi không gặp {{firstName}}",
        "steps.1.message.en": "Long time no see {{firstName}}",
      },
      cookieA,
    );
    expect(ok.status).toBe(303);
    const j = await getJourney(s.database.db, a.merchantId, s.clock.now());
    expect(j).toMatchObject({ enabled: true, attributionDays: 5 });
    expect(j.steps.map((x) => x.segmentId)).toEqual(["recent-7"]);
    const run = await http.post("/console/journeys/run", {}, cookieA);
    expect(run.headers.get("location")).toMatch(/ok=ran&queued=\d+/);
    const page = await html(await http.get("/console/journeys", cookieA));
    expect(page).toContain('id="journey-kpis"');
  });
});

describe("console catalog", () => {
  it("imports a CSV all-or-nothing (line-numbered errors in place), then a good one; sets one product", async () => {
    const r1 = await upload("sku,name,list_price,margin\nA1,Cà phê,25000,40\nA2,Trà,abc,30\n");
    expect(r1.status).toBe(400);
    const h1 = await html(r1);
    expect(h1).toContain('data-path="lines.3.list_price"');
    expect(h1).toContain("line 3: list_price");
    expect((await s.database.db.select().from(products).where(eq(products.merchantId, a.merchantId))).length).toBe(0);

    const r2 = await upload("sku,name,category,list_price,margin\nA1,Cà phê,coffee,25000,40\nA2,Trà,tea,20000,35\n");
    expect(r2.status).toBe(303);
    expect(r2.headers.get("location")).toBe("/console/catalog?ok=imported&n=2");
    const list = await html(await http.get("/console/catalog?ok=imported&n=2", cookieA));
    expect(list).toContain('data-sku="A1"');
    expect(list).not.toContain("Secret B product");

    const badOne = await http.post(
      "/console/catalog/product",
      { sku: "A3", name: "Bánh", listPrice: "-5", margin: "120" },
      cookieA,
    );
    expect(badOne.status).toBe(400);
    const h3 = await html(badOne);
    expect(h3).toContain('data-field="listPrice"');
    expect(h3).toContain('data-field="margin"');
    const one = await http.post(
      "/console/catalog/product",
      { sku: "A1", name: "Cà phê sữa", category: "coffee", listPrice: "29000", margin: "45" },
      cookieA,
    );
    expect(one.status).toBe(303);
    const [p] = await s.database.db
      .select()
      .from(products)
      .where(and(eq(products.merchantId, a.merchantId), eq(products.sku, "A1")));
    // The active box was not ticked: the product is retired.
    expect(p).toMatchObject({ name: "Cà phê sữa", price: 29000, margin: 45, active: false });
    expect((await http.get("/console/catalog?sku=SECRET-B", cookieA)).status).toBe(404);
  });
});

describe("console recommendations", () => {
  it("shows the empty model state and the offers report, rebuilds the model", async () => {
    const page = await html(await http.get("/console/recommendations", cookieA));
    expect(page).toContain('id="model"');
    expect(page).toContain('id="offers-report"');
    expect(page).toContain('id="holdout"');
    const r = await http.post("/console/recommendations/rebuild", { force: "on" }, cookieA);
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toMatch(/ok=built&v=1$/);
    const after = await html(await http.get(r.headers.get("location")!, cookieA));
    expect(after).toMatch(/Đã xây phiên bản 1/);
  });
});

describe("console program extras", () => {
  it("saves promotions, cashback, birthday bonus, plans and product multipliers; errors by path in place", async () => {
    const page = await html(await http.get("/console/program", cookieA));
    const values = Object.fromEntries(
      [...page.matchAll(/<input name="([^"]+)" type="[^"]+" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    const base = { ...values, categoryMultipliers: "", productMultipliers: "" };
    const bad = await http.post(
      "/console/program",
      {
        ...base,
        "promotions.0.name": "Double days",
        "promotions.0.multiplier": "2",
        "promotions.0.startsAt": "2026-12-24T10:00",
        "promotions.0.endsAt": "2026-12-24Tnoon",
        "subscriptionPlans.0.id": "vip month",
        "subscriptionPlans.0.name": "VIP",
        "subscriptionPlans.0.price": "99000",
        "subscriptionPlans.0.periodDays": "30",
        "cashback.rate": "2",
        productMultipliers: "CF-1 = x",
      },
      cookieA,
    );
    expect(bad.status).toBe(400);
    const h = await html(bad);
    for (const path of ["promotions.0.endsAt", "subscriptionPlans.0.id", "cashback.rate", "productMultipliers"])
      expect(h, path).toContain(`data-field="${path}"`);
    // Cross-field checks (ends after starts) run once every field is valid.
    const order = await http.post(
      "/console/program",
      {
        ...base,
        "promotions.0.name": "Double days",
        "promotions.0.multiplier": "2",
        "promotions.0.startsAt": "2026-12-24T10:00",
        "promotions.0.endsAt": "2026-12-24T08:00",
      },
      cookieA,
    );
    expect(order.status).toBe(400);
    expect(await html(order)).toContain('data-field="promotions.0.endsAt">must be after startsAt');
    expect((await getProgram(s.database.db, a.merchantId)).promotions).toEqual([]);

    const ok = await http.post(
      "/console/program",
      {
        ...base,
        "promotions.0.name": "Double days",
        "promotions.0.multiplier": "2",
        "promotions.0.startsAt": "2026-12-24T08:00",
        "promotions.0.endsAt": "2026-12-26T22:00",
        "promotions.0.categories": "coffee, tea",
        "subscriptionPlans.0.id": "vip-month",
        "subscriptionPlans.0.name": "VIP",
        "subscriptionPlans.0.price": "99000",
        "subscriptionPlans.0.periodDays": "30",
        "subscriptionPlans.0.multiplier": "1.5",
        "cashback.rate": "0.02",
        "birthdayBonus.multiplier": "2",
        "birthdayBonus.windowDays": "7",
        productMultipliers: "CF-1 = 3",
      },
      cookieA,
    );
    expect(ok.status).toBe(303);
    const p = await getProgram(s.database.db, a.merchantId);
    expect(p.promotions).toEqual([
      {
        name: "Double days",
        multiplier: 2,
        startsAt: "2026-12-24T01:00:00.000Z",
        endsAt: "2026-12-26T15:00:00.000Z",
        categories: ["coffee", "tea"],
      },
    ]);
    expect(p.subscriptionPlans).toEqual([
      { id: "vip-month", name: "VIP", price: 99000, periodDays: 30, multiplier: 1.5 },
    ]);
    expect(p.cashback).toEqual({ rate: 0.02 });
    expect(p.birthdayBonus).toEqual({ multiplier: 2, windowDays: 7 });
    expect(p.productMultipliers).toEqual({ "CF-1": 3 });
    // Shown again in the merchant's time zone.
    const again = await html(await http.get("/console/program", cookieA));
    expect(again).toContain('value="2026-12-24T08:00"');
  });
});

describe("console segment edit and delete", () => {
  it("edits a custom segment, refuses to delete one in use, deletes it; built-ins have no edit/delete", async () => {
    const created = await a.api("POST", "/v1/segments", {
      name: "Vietnamese",
      rule: { field: "language", op: "eq", value: "vi" },
    });
    const id = created.body.id as string;
    const page = await html(await http.get(`/console/segments?edit=${id}`, cookieA));
    expect(page).toContain(`action="/console/segments/${id}"`);
    expect(page).not.toContain("/console/segments/recent-7/delete");
    const bad = await http.post(`/console/segments/${id}`, { name: "X", rule: '{"field":"nope"}' }, cookieA);
    expect(bad.status).toBe(400);
    const saved = await http.post(
      `/console/segments/${id}`,
      { name: "English", rule: JSON.stringify({ field: "language", op: "eq", value: "en" }) },
      cookieA,
    );
    expect(saved.status).toBe(303);
    const [row] = await s.database.db.select().from(segments).where(eq(segments.id, id));
    expect(row).toMatchObject({ name: "English", rule: { field: "language", op: "eq", value: "en" } });
    await a.api("POST", "/v1/campaigns", { name: "Uses it", segmentId: id, message: { vi: "x" } });
    const refused = await http.post(`/console/segments/${id}/delete`, {}, cookieA);
    expect(refused.status).toBe(409);
    expect(await html(refused)).toContain("Uses it");
    const [c] = await s.database.db.select().from(campaigns).where(eq(campaigns.name, "Uses it"));
    await a.api("POST", `/v1/campaigns/${c!.id}/cancel`);
    expect((await http.post(`/console/segments/${id}/delete`, {}, cookieA)).status).toBe(303);
    expect(await s.database.db.select().from(segments).where(eq(segments.id, id))).toEqual([]);
  });
});

describe("console pages never show another merchant's data", () => {
  it("lists leave B out; B's ids → the 404 page and nothing changes", async () => {
    for (const path of [
      "/console/campaigns",
      "/console/journeys",
      "/console/catalog",
      "/console/recommendations",
      "/console/segments",
    ]) {
      const r = await http.get(path, cookieA);
      expect(r.status, path).toBe(200);
      const body = await r.text();
      for (const secret of ["Secret B", "Bí mật B", "Secret Bình"]) expect(body, path).not.toContain(secret);
      expect(r.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      expect(body, path).not.toMatch(/ style=| on[a-z]+=/);
    }
    expect((await http.get(`/console/campaigns/${campaignB}`, cookieA)).status).toBe(404);
    expect((await http.get(`/console/campaigns/${campaignB}/progress`, cookieA)).status).toBe(404);
    expect((await http.post(`/console/campaigns/${campaignB}/send`, {}, cookieA)).status).toBe(404);
    expect((await http.post(`/console/campaigns/${campaignB}/cancel`, {}, cookieA)).status).toBe(404);
    const [cb] = await s.database.db.select().from(campaigns).where(eq(campaigns.id, campaignB));
    expect(cb!.status).toBe("draft");
    // B's segment can be neither previewed, used, edited nor deleted from A's session.
    const prev = await http.post("/console/campaigns/preview", { segmentId: segB, "message.vi": "x" }, cookieA);
    expect(prev.status).toBe(404);
    expect(await prev.text()).not.toContain("Secret Bình");
    const use = await http.post(
      "/console/campaigns",
      { name: "Steal", segmentId: segB, "message.vi": "x", action: "draft" },
      cookieA,
    );
    expect(use.status).toBe(404);
    expect(await s.database.db.select().from(campaigns).where(eq(campaigns.name, "Steal"))).toEqual([]);
    expect((await http.get(`/console/segments?edit=${segB}`, cookieA)).status).toBe(404);
    expect(
      (
        await http.post(
          `/console/segments/${segB}`,
          { name: "Mine", rule: '{"field":"optedIn","op":"eq","value":true}' },
          cookieA,
        )
      ).status,
    ).toBe(404);
    expect((await http.post(`/console/segments/${segB}/delete`, {}, cookieA)).status).toBe(404);
    const [sb] = await s.database.db.select().from(segments).where(eq(segments.id, segB));
    expect(sb!.name).toBe("Secret B segment");
    // The same sku in A's catalog form writes A's product, never B's.
    await http.post(
      "/console/catalog/product",
      { sku: "SECRET-B", name: "A's own", listPrice: "1", active: "on" },
      cookieA,
    );
    const [pb] = await s.database.db
      .select()
      .from(products)
      .where(and(eq(products.merchantId, b.merchantId), eq(products.sku, "SECRET-B")));
    expect(pb!.name).toBe("Secret B product");
  });
});

describe("/dashboard", () => {
  it("redirects to the console (the old key-in-the-tab dashboard is gone)", async () => {
    const r = await fetch(`${s.url}/dashboard`, { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/console");
  });
});
