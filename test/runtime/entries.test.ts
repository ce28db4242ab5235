/**
 * Runtime entries only choose drivers and read their environment: each builds through `createRuntime`
 * (src/runtime) and none wires the app, the channels, the offers or the assistant itself — so Node, Workers,
 * Telegram polling and the CLI's `campaigns send` cannot drift apart again.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ENTRIES = [
  "src/runtime/node-process.ts",
  "src/worker.ts",
  "bots/telegram/polling.ts",
  "src/cli/commands/campaigns-send.ts",
];
/** What only src/runtime may wire. */
const WIRING = [
  /\bcreateApp\b/,
  /\bcreateChannels\b/,
  /\bcreateAssistant\b/,
  /\bcreateLlm\b/,
  /\bphrasedChatOffers\b/,
  /\blistOffersForChat\b/,
  /\bstartDeliveryWorker\b/,
  /\bdeliverBatch\b/,
  /\brunScheduledJobs\b/,
  /\brunAllJourneys\b/,
  /\brebuildStaleModels\b/,
  /\bstartJourneySchedule\b/,
  /\bstartModelRebuildSchedule\b/,
];

describe("runtime entries", () => {
  for (const entry of ENTRIES) {
    it(`${entry} builds through createRuntime and wires nothing itself`, () => {
      const src = readFileSync(`${root}/${entry}`, "utf8");
      expect(src).toMatch(/\bcreateRuntime\(/);
      expect(WIRING.filter((re) => re.test(src)).map(String)).toEqual([]);
    });
  }
});
