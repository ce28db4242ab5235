/**
 * Strict opt-in (issue 16): with the program's `consentMode: "explicit"`, linking a chat records the loyalty terms
 * but grants no marketing consent; a bare /start does not either; only the member's Yes in chat (or the API's
 * consent endpoint) does, each an event with the wording shown. Campaigns count the others as opted out. The
 * default (`"link"`, the campaigns spec) is unchanged.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createConversation } from "../../bots/core/conversation.ts";
import type { ChatInput } from "../../bots/core/types.ts";
import { startDeliveryWorker, type DeliveryWorker } from "../../src/campaigns/worker.ts";
import { members } from "../../src/db/schema.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { createLinkCode } from "../../src/links/service.ts";
import { CONSENT_WORDING } from "../../src/privacy/wording.ts";
import { FakeTelegramServer } from "../fakes/telegram-server.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import { addMember, daysAgo } from "../segments/fixtures.ts";
import { httpTelegramSender, LiveClock, waitUntil } from "../campaigns/helpers.ts";

let s: TestServer;
let tg: FakeTelegramServer;
let worker: DeliveryWorker | undefined;
const clock = new LiveClock("2026-11-20T03:00:00Z"); // 10:00 in Ho Chi Minh City: inside the send window

beforeAll(async () => {
  s = await startTestServer({ clock });
  tg = await FakeTelegramServer.start();
});
afterAll(async () => {
  await worker?.stop();
  await tg?.close();
  await s?.close();
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

const db = () => s.database.db;
let seq = 8_100_000;

async function optedIn(memberId: string): Promise<boolean> {
  const [m] = await db().select({ o: members.optedIn }).from(members).where(eq(members.id, memberId));
  return m!.o;
}

/** A member whose last order was 8 days ago (in the `recent-7` segment the campaigns use), linked in chat. */
async function linkedMember(merchantId: string) {
  const id = await addMember(
    db(),
    merchantId,
    { language: "en", orders: [{ at: daysAgo(clock.now(), 8) }] },
    clock.now(),
  );
  const conv = createConversation({
    db: db(),
    clock,
    logger: silentLogger,
    config: { DEFAULT_MERCHANT_ID: merchantId },
  });
  const userId = String(++seq);
  const input = (extra: Partial<ChatInput>): ChatInput => ({ channel: "telegram", userId, chatId: userId, ...extra });
  const { code } = await createLinkCode(db(), merchantId, id, clock.now());
  const replies = await conv.handle(input({ text: `/start ${code}` }));
  return { id, conv, input, replies };
}

async function campaignCounts(api: Api) {
  worker = startDeliveryWorker({
    db: db(),
    senders: { telegram: httpTelegramSender(tg.url, tg.token, 200) },
    clock,
    pollMs: 100,
    sweepMs: 500,
    backoffMs: () => 50,
  });
  const c = await api("POST", "/v1/campaigns", { name: "x", segmentId: "recent-7", message: { en: "Hi", vi: "Chào" } });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  expect((await api("POST", `/v1/campaigns/${c.body.id}/send`)).status).toBe(202);
  const done = await waitUntil(`campaign ${c.body.id} done`, async () => {
    const r = await api("GET", `/v1/campaigns/${c.body.id}`);
    return r.body.status === "done" ? r.body : undefined;
  });
  await worker.stop();
  worker = undefined;
  return done.counts;
}

describe("consentMode", () => {
  it("defaults to link: linking opts in, as the campaigns spec says", async () => {
    const { api, merchantId } = await s.merchant();
    expect((await api("GET", "/v1/program")).body.consentMode).toBe("link");
    const m = await linkedMember(merchantId);
    expect(m.replies[m.replies.length - 1]!.text).toContain(CONSENT_WORDING.marketingQuestion.en);
    expect(await optedIn(m.id)).toBe(true);
  });

  it("explicit: linking and /start grant nothing, campaigns skip the member; Yes (or the API) grants", async () => {
    const { api, merchantId } = await s.merchant();
    const program = (await api("GET", "/v1/program")).body;
    const put = await api("PUT", "/v1/program", { ...program, consentMode: "explicit" });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.consentMode).toBe("explicit");
    expect((await api("PUT", "/v1/program", { ...program, consentMode: "opt-in" })).status).toBe(400);

    const a = await linkedMember(merchantId);
    const b = await linkedMember(merchantId);
    // The spec's link reply stays first; the question asks rather than saying promotions are on.
    expect(a.replies[0]!.text).toMatch(/^Linked!/);
    const ask = a.replies[a.replies.length - 1]!;
    expect(ask.text).toContain(CONSENT_WORDING.marketingAsk.en);
    expect(ask.text).not.toContain(CONSENT_WORDING.marketingQuestion.en);
    expect(ask.buttons?.[0]?.map((x) => x.data)).toEqual(["cs:y", "cs:n"]);
    expect(await optedIn(a.id)).toBe(false);
    const events = (await api("GET", `/v1/members/${a.id}/consents`)).body;
    expect(events.current).toEqual({ marketing: false, loyaltyTerms: true });
    expect(events.events.map((e: { purpose: string }) => e.purpose)).toEqual(["loyalty_terms"]);

    // A bare /start is no yes: the member is asked again, nothing recorded.
    const again = await a.conv.handle(a.input({ text: "/start" }));
    expect(again[again.length - 1]!.text).toContain(CONSENT_WORDING.marketingAsk.en);
    expect(await optedIn(a.id)).toBe(false);
    expect((await api("GET", `/v1/members/${a.id}/consents`)).body.events).toHaveLength(1);

    // Neither has consented: both are recipients counted as opted out, nobody is messaged.
    expect(await campaignCounts(api)).toMatchObject({ recipients: 2, sent: 0, optedOut: 2 });
    expect(tg.succeeded("sendMessage")).toHaveLength(0);

    // a says Yes in chat (an event with the question's wording); b's consent is recorded at the till (API).
    const yes = await a.conv.handle(a.input({ button: "cs:y" }));
    expect(yes[0]!.text).toBe("Thanks, we'll send you our offers. Send /stop any time to stop.");
    expect(await optedIn(a.id)).toBe(true);
    const after = (await api("GET", `/v1/members/${a.id}/consents`)).body;
    expect(after.events[0]).toMatchObject({
      purpose: "marketing",
      granted: true,
      channel: "telegram",
      wording: ask.text,
    });
    const till = await api("POST", `/v1/members/${b.id}/consents`, {
      purpose: "marketing",
      granted: true,
      channel: "pos",
      wording: "I agree to receive the shop's offers in chat.",
    });
    expect(till.status, JSON.stringify(till.body)).toBe(201);
    expect(await optedIn(b.id)).toBe(true);

    expect(await campaignCounts(api)).toMatchObject({ recipients: 2, sent: 2, optedOut: 0 });

    // Re-linking in explicit mode keeps the consent given (it neither grants nor withdraws).
    const { code } = await createLinkCode(db(), merchantId, a.id, clock.now());
    await a.conv.handle(a.input({ text: `/start ${code}` }));
    expect(await optedIn(a.id)).toBe(true);
    // /stop still withdraws at once.
    await a.conv.handle(a.input({ text: "/stop" }));
    expect(await optedIn(a.id)).toBe(false);
  });
});
