/** The simulator's browser tests share this: a bot harness without platform tokens, a shop, and Debian's chromium. */
import { existsSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { setupShop, startBotHarness, type BotHarness, type Shop } from "../bots/harness.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

export interface SimulatorSetup {
  h: BotHarness;
  shop: Shop;
  browser: Browser;
  close(): Promise<void>;
}

export async function startSimulatorSetup(): Promise<SimulatorSetup> {
  const h = await startBotHarness({ env: { TELEGRAM_BOT_TOKEN: "", ZALO_BOT_TOKEN: "" } });
  const shop = await setupShop(h.s);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    h,
    shop,
    browser,
    async close() {
      await browser.close();
      await h.close();
    },
  };
}

/** Registers the setup for a test file (started once, closed after); call the result inside a test. */
export function useSimulatorSetup(): () => SimulatorSetup {
  let setup: SimulatorSetup | undefined;
  beforeAll(async () => {
    if (hasChromium) setup = await startSimulatorSetup();
  }, 120_000);
  afterAll(async () => {
    await setup?.close();
  });
  return () => setup!;
}
