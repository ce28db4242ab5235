/**
 * "New survey" in the console, in a real browser (Debian chromium via playwright-core) at 1366×900 and 390×844: a
 * bad form (a single-choice question without options) is refused with the error under its field and creates
 * nothing; the fixed form creates the survey (checked through GET /v1/surveys/{id}) and lands on its page. The
 * desktop run is in Vietnamese, the phone run in English. Screenshots go to test-results/console/; `UPDATE_DOCS=1`
 * also copies them to docs/console-survey-new*.png.
 */
import { signedInPage } from "./console-page.ts";
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/seed.ts";
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/console`;

let s: TestServer;
let browser: Browser;
let apiKey: string;

beforeAll(async () => {
  s = await startTestServer();
  apiKey = (await seedDemo(s.database.db, s.clock.now())).apiKey;
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function shot(page: Page, name: string) {
  const file = `${SHOTS}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.UPDATE_DOCS === "1") copyFileSync(file, `${root}docs/console-${name}.png`);
}

const VIEWPORTS = [
  { label: "desktop", suffix: "", width: 1366, height: 900, lang: "vi" as const },
  { label: "phone", suffix: "-phone", width: 390, height: 844, lang: "en" as const },
];

const WORDS = {
  vi: {
    nav: "Khảo sát",
    link: "Khảo sát mới",
    optionsError: "Câu chọn một cần 2–6 lựa chọn",
    textError: "Nhập nội dung",
    created: "Đã tạo khảo sát.",
  },
  en: {
    nav: "Surveys",
    link: "New survey",
    optionsError: "A single-choice question needs 2–6 options",
    textError: "Enter the text",
    created: "Survey created.",
  },
};

describe("console: new survey in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label} (${vp.lang}): errors in place create nothing; a valid form creates the survey`, async () => {
      const w = WORDS[vp.lang];
      const api = apiClient(s.url, apiKey);
      const countSurveys = async () => (await api("GET", "/v1/surveys?limit=200")).body.surveys.length as number;
      const before = await countSurveys();
      const { context, page, errors } = await signedInPage(browser, s.url, apiKey, {
        width: vp.width,
        height: vp.height,
      });
      if (vp.lang === "en") {
        await page.locator("#lang").click();
        await page.locator("nav.main a", { hasText: "Surveys" }).waitFor();
      }

      await page.locator("nav.main a", { hasText: w.nav }).click();
      await page.locator("#new-survey").click();
      const form = page.locator("#survey-new");
      await form.waitFor();
      await page.locator("h1", { hasText: w.link }).waitFor();

      // A single-choice question without options and a rating without its text: refused, errors in place.
      const name = `Góp ý mới ${vp.label}`;
      await form.locator("[name='name']").fill(name);
      await form.locator("[name='questions.0.type']").selectOption("choice");
      await form.locator("[name='questions.0.text.vi']").fill("Bạn thích món nào?");
      await form.locator("[name='questions.0.text.en']").fill("Which do you like?");
      await form.locator("[name='questions.1.type']").selectOption("rating");
      await form.locator("[name='points']").fill("25");
      await form.locator("#save").click();
      await page.locator(".flash.bad").waitFor();
      const optionsErr = page.locator(".err[data-field='questions.0.options']");
      await optionsErr.waitFor();
      expect(await optionsErr.textContent()).toContain(w.optionsError);
      expect(await page.locator(".err[data-field='questions.1.text']").textContent()).toContain(w.textError);
      // The error sits in question 1's own box, right after its options field.
      expect(await page.locator("fieldset[data-slot='0'] .err[data-field='questions.0.options']").count()).toBe(1);
      // What was typed is kept, and nothing was created.
      expect(await page.locator("#survey-new [name='name']").inputValue()).toBe(name);
      expect(await page.locator("#survey-new [name='questions.0.type']").inputValue()).toBe("choice");
      expect(await page.locator("#survey-new [name='points']").inputValue()).toBe("25");
      expect(await countSurveys()).toBe(before);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(vp.width);
      await shot(page, `survey-new-errors${vp.suffix}`);

      // Fixed: two options for the choice, the rating's text.
      await form.locator("[name='questions.0.options']").fill("Cà phê | Coffee\nTrà | Tea");
      await form.locator("[name='questions.1.text.vi']").fill("Bạn chấm quán mấy sao?");
      await form.locator("[name='questions.1.text.en']").fill("How many stars?");
      await form.locator("#save").click();
      await page.locator("h1", { hasText: name }).waitFor();
      await page.locator(".flash", { hasText: w.created }).waitFor();
      const id = /\/console\/surveys\/([^/?]+)\?ok=created$/.exec(page.url())?.[1];
      expect(id).toMatch(/^srv_/);
      await shot(page, `survey-new-created${vp.suffix}`);

      const got = await api("GET", `/v1/surveys/${id}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id, name, points: 25, draft: true, afterOrder: null });
      expect(got.body.questions).toEqual([
        {
          type: "choice",
          text: { vi: "Bạn thích món nào?", en: "Which do you like?" },
          options: [
            { vi: "Cà phê", en: "Coffee" },
            { vi: "Trà", en: "Tea" },
          ],
        },
        { type: "rating", text: { vi: "Bạn chấm quán mấy sao?", en: "How many stars?" } },
      ]);
      expect(await countSurveys()).toBe(before + 1);
      // The new survey is a draft: its page offers the editor.
      await page.locator("#edit-survey").waitFor();
      if (vp.lang === "en") await page.locator("#lang").click();
      expect(errors, errors.join("\n")).toEqual([]);
      await context.close();
    });
  }
});
