/**
 * "New survey" in the console over real HTTP (no browser): the form is validated by the API's schema and saved by
 * createSurvey; each refused form (400) names its field and creates nothing, in vi and en; another merchant's
 * segment is refused like an unknown one; a created survey is the signed-in merchant's only. The browser flow is in
 * test/e2e/console-survey-new.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { consoleHttp } from "./http.ts";

let s: TestServer;
let a: Awaited<ReturnType<TestServer["merchant"]>>;
let b: Awaited<ReturnType<TestServer["merchant"]>>;
let http: ReturnType<typeof consoleHttp>;
let cookieA: string;
let segB: string;

beforeAll(async () => {
  s = await startTestServer();
  http = consoleHttp(s);
  a = await s.merchant("Shop A");
  b = await s.merchant("Shop B");
  segB = (await b.api("POST", "/v1/segments", { name: "Secret B", rule: { all: [] } })).body.id;
  cookieA = await http.signIn(a.apiKey);
}, 60_000);
afterAll(async () => {
  await s?.close();
});

const count = async () => (await a.api("GET", "/v1/surveys?limit=200")).body.surveys.length as number;
const errOf = (html: string, field: string) =>
  new RegExp(`<[^>]*class="err"[^>]*data-field="${field.replace(/\./g, "\\.")}"[^>]*>([^<]*)<`).exec(html)?.[1];

const good = {
  name: "Góp ý",
  points: "",
  "afterOrder.delayHours": "2",
  "questions.0.type": "nps",
  "questions.0.text.vi": "Bạn có giới thiệu quán không?",
  "questions.2.type": "text",
  "questions.2.text.en": "Anything else?",
};

describe("console: new survey over HTTP", () => {
  it("shows the form with the link from the surveys page", async () => {
    const list = await (await http.get("/console/surveys", cookieA)).text();
    expect(list).toContain('href="/console/surveys/new"');
    const res = await http.get("/console/surveys/new", cookieA);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="survey-new"');
    expect(html).toContain('name="questions.4.type"');
    expect(html).not.toContain("Secret B"); // another merchant's segment is not offered
  });

  it("refuses bad forms with each error under its field, creating nothing (vi and en)", async () => {
    const before = await count();
    const cases: [Record<string, string>, string, string][] = [
      [{ ...good, "questions.0.type": "choice", "questions.0.options": "Một" }, "questions.0.options", "2–6 lựa chọn"],
      [{ ...good, "questions.2.text.en": "" }, "questions.2.text", "Nhập nội dung"],
      [{ ...good, "questions.0.type": "", "questions.2.type": "" }, "questions", "1–5 câu hỏi"],
      [{ ...good, points: "abc" }, "points", "Điểm là số nguyên"],
      [{ ...good, name: "" }, "name", "Nhập tên"],
      [{ ...good, segmentId: segB }, "segmentId", ""],
    ];
    for (const [form, field, words] of cases) {
      const res = await http.post("/console/surveys/new", form, cookieA);
      expect(res.status, field).toBe(400);
      const html = await res.text();
      const err = errOf(html, field);
      expect(err, `${field}: ${html.length}`).toBeDefined();
      expect(err).toContain(words);
    }
    // English copy.
    const en = await http.post(
      "/console/surveys/new",
      { ...good, "questions.0.type": "choice", "questions.0.options": "" },
      `${cookieA}; cl_lang=en`,
    );
    expect(en.status).toBe(400);
    expect(errOf(await en.text(), "questions.0.options")).toContain("needs 2–6 options");
    expect(await count()).toBe(before);
  });

  it("creates the survey for the signed-in merchant only and redirects to its page", async () => {
    const res = await http.post("/console/surveys/new", good, cookieA);
    expect(res.status).toBe(303);
    const id = /^\/console\/surveys\/(srv_[^?]+)\?ok=created$/.exec(res.headers.get("location") ?? "")?.[1];
    expect(id).toBeDefined();
    const got = await a.api("GET", `/v1/surveys/${id}`);
    expect(got.body).toMatchObject({ name: "Góp ý", points: 0, draft: true, afterOrder: null, segmentId: null });
    expect(got.body.questions).toEqual([
      { type: "nps", text: { vi: "Bạn có giới thiệu quán không?" } },
      { type: "text", text: { en: "Anything else?" } },
    ]);
    expect((await b.api("GET", `/v1/surveys/${id}`)).status).toBe(404);
    const page = await http.get(`/console/surveys/${id}?ok=created`, cookieA);
    expect(await page.text()).toMatch(/Đã tạo khảo sát\.|Survey created\./);
  });

  it("refuses a post without the console's origin", async () => {
    const before = await count();
    const res = await http.post("/console/surveys/new", good, cookieA, null);
    expect(res.status).toBe(403);
    expect(await count()).toBe(before);
  });
});
