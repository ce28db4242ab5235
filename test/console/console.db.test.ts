/**
 * The console over real HTTP (no browser): sessions, cookies, CSRF/Origin, security headers, tenant isolation, and
 * the forms' effects in the database. The browser flows are in test/e2e/console.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { consoleSessions } from "../../src/console/tables.ts";
import { apiKeys, members, rewards } from "../../src/db/schema.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { forgetApiKeys } from "../../src/merchants/service.ts";
import { consoleHttp } from "./http.ts";

let s: TestServer;
let a: Awaited<ReturnType<TestServer["merchant"]>>;
let b: Awaited<ReturnType<TestServer["merchant"]>>;
let memberA: string;
let memberB: string;
let rewardB: string;

beforeAll(async () => {
  s = await startTestServer();
  a = await s.merchant("Shop A");
  b = await s.merchant("Shop B");
  memberA = (await a.api("POST", "/v1/members", { phone: "0901234567", name: "Lan A" })).body.id;
  memberB = (await b.api("POST", "/v1/members", { phone: "0907654321", name: "Minh B" })).body.id;
  rewardB = (await b.api("POST", "/v1/rewards", { name: "Secret B reward", cost: 10, kind: "perk" })).body.id;
});
afterAll(async () => {
  await s?.close();
});

let post: ReturnType<typeof consoleHttp>["post"];
let get: ReturnType<typeof consoleHttp>["get"];
let signIn: ReturnType<typeof consoleHttp>["signIn"];
beforeAll(() => {
  ({ post, get, signIn } = consoleHttp(s));
});

describe("console sessions", () => {
  it("exchanges a key for an HttpOnly SameSite=Strict cookie; the database keeps only the id's hash", async () => {
    const res = await post("/console/sign-in", { apiKey: a.apiKey });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console");
    const set = res.headers.get("set-cookie")!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/console/);
    expect(set).not.toMatch(/Secure/); // plain http on loopback; https → Secure (below)
    expect(set).not.toContain(a.apiKey);
    const sid = /cl_session=([^;]+)/.exec(set)![1]!;
    const rows = await s.database.db.select().from(consoleSessions).where(eq(consoleSessions.merchantId, a.merchantId));
    expect(rows.map((r) => r.idHash)).toContain(await sha256Hex(sid));
    expect(JSON.stringify(rows)).not.toContain(sid);
  });

  it("refuses a wrong key with the sign-in page (401) and no cookie", async () => {
    const res = await post("/console/sign-in", { apiKey: "ck_live_wrong" });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.text()).toContain("không hợp lệ");
  });

  it("pages redirect to sign-in without a session; sign-out deletes the session", async () => {
    expect((await get("/console")).headers.get("location")).toBe("/console/sign-in");
    const cookie = await signIn(a.apiKey);
    expect((await get("/console", cookie)).status).toBe(200);
    const out = await post("/console/sign-out", {}, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/cl_session=;/);
    const after = await get("/console/members", cookie);
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/console/sign-in");
  });

  it("a revoked API key ends its sessions", async () => {
    const cookie = await signIn(b.apiKey);
    expect((await get("/console", cookie)).status).toBe(200);
    const extra = await s.merchant("Shop C");
    const c2 = await signIn(extra.apiKey);
    await s.database.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.merchantId, extra.merchantId));
    forgetApiKeys();
    expect((await get("/console", c2)).status).toBe(303);
  });
});

describe("console security", () => {
  it("rejects form posts from another origin or without Origin (403), writing nothing", async () => {
    const cookie = await signIn(a.apiKey);
    const before = await s.database.db.select().from(rewards).where(eq(rewards.merchantId, a.merchantId));
    for (const origin of ["https://evil.example", null]) {
      const res = await post("/console/rewards", { name: "Evil", kind: "perk", cost: "5" }, cookie, origin);
      expect(res.status).toBe(403);
    }
    const bad = await post("/console/sign-in", { apiKey: a.apiKey }, "", "https://evil.example");
    expect(bad.status).toBe(403);
    expect(bad.headers.get("set-cookie")).toBeNull();
    const after = await s.database.db.select().from(rewards).where(eq(rewards.merchantId, a.merchantId));
    expect(after.length).toBe(before.length);
  });

  it("sends a strict CSP (no unsafe-inline), frame-ancestors 'none', nosniff, Referrer-Policy, no-store", async () => {
    const cookie = await signIn(a.apiKey);
    for (const path of [
      "/console/sign-in",
      "/console",
      "/console/members",
      `/console/members/${memberA}`,
      "/console/rewards",
    ]) {
      const res = await get(path, path === "/console/sign-in" ? "" : cookie);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      // No inline script or style attribute could run under this CSP anyway; make sure none is relied on.
      expect(html).not.toMatch(/<script(?![^>]*(src=|type="application\/json"))/);
      expect(html).not.toMatch(/ style=/);
      expect(html).not.toMatch(/ on[a-z]+=/);
    }
  });

  it("serves the bundled assets from the app (htmx, uPlot), cacheable, unknown names 404", async () => {
    const js = await get("/console/assets/htmx.min.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(await js.text()).toContain("htmx");
    expect((await get("/console/assets/uplot.min.js")).status).toBe(200);
    expect((await get("/console/assets/..%2Fapp.ts")).status).toBe(404);
    expect((await get("/console/assets/toString")).status).toBe(404);
  });

  it("never shows another merchant's member or reward: cross ids → the 404 page", async () => {
    const cookie = await signIn(a.apiKey);
    const res = await get(`/console/members/${memberB}`, cookie);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).not.toContain("Minh B");
    expect(html).not.toContain("0907654321");
    const adj = await post(
      `/console/members/${memberB}/adjust`,
      { points: "50", reason: "x", idempotencyKey: "con_aaaaaaaaaaaaaaaaaaaa" },
      cookie,
    );
    expect(adj.status).toBe(404);
    const link = await post(`/console/members/${memberB}/link-code`, {}, cookie);
    expect(link.status).toBe(404);
    const edit = await post(`/console/rewards/${rewardB}/active`, { active: "false" }, cookie);
    expect(edit.status).toBe(404);
    const [rb] = await s.database.db.select().from(rewards).where(eq(rewards.id, rewardB));
    expect(rb!.active).toBe(true);
    const [mb] = await s.database.db.select().from(members).where(eq(members.id, memberB));
    expect(mb!.pointsTotal).toBe(0);
    const search = await get("/console/members/search?q=Minh", cookie);
    expect(await search.text()).not.toContain("Minh B");
    const list = await (await get("/console/rewards", cookie)).text();
    expect(list).not.toContain("Secret B reward");
  });
});

describe("console forms", () => {
  it("adjusts points once per form (idempotent), with the reason in the ledger; bad input → 400 in place", async () => {
    const cookie = await signIn(a.apiKey);
    const key = "con_bbbbbbbbbbbbbbbbbbbb";
    for (let i = 0; i < 2; i++) {
      const res = await post(
        `/console/members/${memberA}/adjust`,
        { points: "120", reason: "Sinh nhật", idempotencyKey: key },
        cookie,
      );
      expect(res.status).toBe(303);
    }
    const [m] = await s.database.db.select().from(members).where(eq(members.id, memberA));
    expect(m!.pointsTotal).toBe(120);
    const page = await (await get(`/console/members/${memberA}`, cookie)).text();
    expect(page).toContain("Sinh nhật");
    const bad = await post(
      `/console/members/${memberA}/adjust`,
      { points: "1.5", reason: "", idempotencyKey: "con_cccccccccccccccccccc" },
      cookie,
    );
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('data-field="points"');
    expect(html).toContain('data-field="reason"');
    const over = await post(
      `/console/members/${memberA}/adjust`,
      { points: "-1000", reason: "too much", idempotencyKey: "con_dddddddddddddddddddd" },
      cookie,
    );
    expect(over.status).toBe(409);
    const [m2] = await s.database.db.select().from(members).where(eq(members.id, memberA));
    expect(m2!.pointsTotal).toBe(120);
  });

  it("creates, edits and deactivates a reward; invalid fields are shown by path", async () => {
    const cookie = await signIn(a.apiKey);
    const bad = await post(
      "/console/rewards",
      { name: "", kind: "perk", cost: "0", value: "", stock: "", minTier: "" },
      cookie,
    );
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('data-field="name"');
    expect(html).toContain('data-field="cost"');
    const ok = await post(
      "/console/rewards",
      { name: "Bánh flan", kind: "product", cost: "300", value: "25000", stock: "5", minTier: "" },
      cookie,
    );
    expect(ok.status).toBe(303);
    const [r] = await s.database.db.select().from(rewards).where(eq(rewards.name, "Bánh flan"));
    expect(r).toMatchObject({ merchantId: a.merchantId, cost: 300, value: 25000, stock: 5, active: true });
    expect((await post(`/console/rewards/${r!.id}`, { cost: "250", stock: "" }, cookie)).status).toBe(303);
    expect((await post(`/console/rewards/${r!.id}/active`, { active: "false" }, cookie)).status).toBe(303);
    const [r2] = await s.database.db.select().from(rewards).where(eq(rewards.id, r!.id));
    expect(r2).toMatchObject({ cost: 250, stock: null, active: false });
  });

  it("finds members by phone, name and code; issues a link code with a QR code", async () => {
    const cookie = await signIn(a.apiKey);
    for (const q of ["0901234567", "lan", memberA]) {
      const html = await (await get(`/console/members/search?q=${encodeURIComponent(q)}`, cookie)).text();
      expect(html, q).toContain("Lan A");
    }
    expect(await (await get("/console/members/search?q=zzz", cookie)).text()).toContain('id="no-match"');
    const res = await post(`/console/members/${memberA}/link-code`, {}, cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/id="link-code">[A-Z0-9]{8}</);
    expect(html).toMatch(/<div class="qr" id="qr"><svg/);
  });

  it("switches language with a cookie, back to the same page", async () => {
    const res = await post("/console/lang", { lang: "en", back: "/console/rewards" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/rewards");
    const lang = /cl_lang=en/.exec(res.headers.get("set-cookie") ?? "");
    expect(lang).not.toBeNull();
    const page = await (await get("/console/sign-in", "cl_lang=en")).text();
    expect(page).toContain("Sign in");
    const evil = await post("/console/lang", { lang: "en", back: "https://evil.example/" });
    expect(evil.headers.get("location")).toBe("/console");
  });
});

describe("console program page", () => {
  it("saves earn rate, expiry, pending, tiers and category multipliers through ProgramSchema", async () => {
    const cookie = await signIn(a.apiKey);
    const page = await (await get("/console/program", cookie)).text();
    expect(page).toContain('name="earn.spend"');
    const res = await post(
      "/console/program",
      {
        "earn.spend": "20000",
        "earn.points": "3",
        pointsExpireDays: "180",
        pendingDays: "7",
        tierWindowDays: "365",
        "tiers.0.name": "Member",
        "tiers.0.minSpend": "0",
        "tiers.0.multiplier": "1",
        "tiers.1.name": "Gold",
        "tiers.1.minSpend": "2000000",
        "tiers.1.multiplier": "1.5",
        categoryMultipliers: "coffee = 2\ntea = 1.25",
      },
      cookie,
    );
    expect(res.status).toBe(303);
    const { body } = await a.api("GET", "/v1/program");
    expect(body).toMatchObject({
      earn: { spend: 20000, points: 3 },
      pointsExpireDays: 180,
      pendingDays: 7,
      tiers: [
        { name: "Member", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 2000000, multiplier: 1.5 },
      ],
      categoryMultipliers: { coffee: 2, tea: 1.25 },
    });
  });

  it("shows each invalid field in place by its path and saves nothing", async () => {
    const cookie = await signIn(a.apiKey);
    const before = (await a.api("GET", "/v1/program")).body;
    const res = await post(
      "/console/program",
      {
        "earn.spend": "0",
        "earn.points": "abc",
        pointsExpireDays: "",
        pendingDays: "7",
        tierWindowDays: "365",
        "tiers.0.name": "Member",
        "tiers.0.minSpend": "0",
        "tiers.0.multiplier": "1",
        "tiers.1.name": "member",
        "tiers.1.minSpend": "-5",
        "tiers.1.multiplier": "1.23456",
        categoryMultipliers: "coffee = 2\nbroken line",
      },
      cookie,
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    for (const path of ["earn.spend", "earn.points", "tiers.1.minSpend", "tiers.1.multiplier", "categoryMultipliers"])
      expect(html, path).toContain(`data-field="${path}"`);
    // The merchant's input stays in the form to correct.
    expect(html).toContain('value="abc"');
    expect((await a.api("GET", "/v1/program")).body).toEqual(before);
    // The schema's cross-field rule (duplicate tier names) runs once the fields are valid, and is shown in place too.
    const dup = await post(
      "/console/program",
      {
        "earn.spend": "10000",
        "earn.points": "1",
        pendingDays: "0",
        tierWindowDays: "365",
        "tiers.0.name": "Member",
        "tiers.0.minSpend": "0",
        "tiers.0.multiplier": "1",
        "tiers.1.name": "member",
        "tiers.1.minSpend": "5",
        "tiers.1.multiplier": "1",
      },
      cookie,
    );
    expect(dup.status).toBe(400);
    expect(await dup.text()).toMatch(/data-field="tiers\.1\.name">duplicate tier name/);
    expect((await a.api("GET", "/v1/program")).body).toEqual(before);
  });
});

describe("console segments page", () => {
  it("lists the built-in segments with counts, previews a rule live, creates it; bad rules → errors by path", async () => {
    const cookie = await signIn(a.apiKey);
    const page = await (await get("/console/segments", cookie)).text();
    for (const name of ["recent-7", "recent-14", "recent-28"]) expect(page).toContain(`data-segment-id="${name}"`);
    const rule = JSON.stringify({ all: [{ field: "language", op: "eq", value: "vi" }] });
    const preview = await (await post("/console/segments/preview", { name: "", rule }, cookie)).text();
    expect(preview).toMatch(/id="preview-count">1</);
    expect(preview).toContain("Lan A");
    expect(preview).not.toContain("Minh B");
    const bad = await (
      await post(
        "/console/segments/preview",
        { rule: JSON.stringify({ all: [{ field: "nope", op: "eq", value: 1 }] }) },
        cookie,
      )
    ).text();
    expect(bad).toMatch(/data-field="rule\.all\.0\.field"/);
    const notJson = await (await post("/console/segments/preview", { rule: "{all:" }, cookie)).text();
    expect(notJson).toContain('data-field="rule"');
    const missing = await post("/console/segments", { name: "", rule }, cookie);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('data-field="name"');
    const ok = await post("/console/segments", { name: "Khách nói tiếng Việt", rule }, cookie);
    expect(ok.status).toBe(303);
    const list = await (await get("/console/segments", cookie)).text();
    expect(list).toContain('data-segment="Khách nói tiếng Việt"');
    const { body } = await a.api("GET", "/v1/segments");
    expect(body.segments.some((g: { name: string }) => g.name === "Khách nói tiếng Việt")).toBe(true);
    expect(
      (await b.api("GET", "/v1/segments")).body.segments.some(
        (g: { name: string }) => g.name === "Khách nói tiếng Việt",
      ),
    ).toBe(false);
  });
});

describe("console behind https (PUBLIC_URL)", () => {
  it("marks the cookie Secure and accepts form posts from the public origin", async () => {
    const pub = await startTestServer({ database: s.database, env: { PUBLIC_URL: "https://loyalty.example" } });
    try {
      const res = await fetch(`${pub.url}/console/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://loyalty.example" },
        body: new URLSearchParams({ apiKey: a.apiKey }).toString(),
        redirect: "manual",
      });
      expect(res.status).toBe(303);
      expect(res.headers.get("set-cookie")).toMatch(/; Secure/);
    } finally {
      await pub.close();
    }
  });
});
