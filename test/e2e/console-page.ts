/** A console page signed in with an API key, for the console's browser tests. */
import type { Browser } from "playwright-core";

/**
 * A fresh context at `viewport`, signed in with `apiKey` (the overview's KPIs shown), collecting the page's script
 * errors and console errors (a resource the browser failed to load is left to the tests that care). `options` go
 * to the context (e.g. `acceptDownloads` for a test that saves a file).
 */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  apiKey: string,
  viewport: { width: number; height: number },
  options: { acceptDownloads?: boolean } = {},
) {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.locator("#key").fill(apiKey);
  await page.locator("#go").click();
  await page.locator("#kpis .kpi").first().waitFor();
  return { context, page, errors };
}
