/**
 * A 10,000-recipient broadcast against the fake Telegram Bot API enforcing its rate, with injected 429s and 5xx:
 * zero duplicates, zero losses, every 429 honoured. Run at 1000 msg/s here (≈ 10 s); the real-rate run
 * (10,000 @ 30 msg/s) is bench/broadcast/broadcast.bench.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { FakeTelegramServer } from "../fakes/telegram-server.ts";
import { startDeliveryWorker } from "../../src/campaigns/worker.ts";
import { testDbKind } from "../helpers/db.ts";
import { httpTelegramSender, LiveClock, waitUntil, type SendLogEntry } from "./helpers.ts";
import { seedAudience } from "./seed.ts";

// PGlite runs the database in this same thread (WASM), so it gets a smaller audience; Postgres gets the full 10,000.
const N = testDbKind() === "pglite" ? 2_000 : 10_000;
const RATE = 1000;

let s: TestServer;
let tg: FakeTelegramServer;
const clock = new LiveClock("2026-11-20T03:00:00Z");

beforeAll(async () => {
  s = await startTestServer({ clock });
  tg = await FakeTelegramServer.start();
});
afterAll(async () => {
  await tg.close();
  await s.close();
});

describe(`broadcast: ${N} recipients at ${RATE}/s`, () => {
  it("every recipient exactly once, 429s honoured (whole bot paused), 5xx retried", { timeout: 600_000 }, async () => {
    const { merchantId, api } = await s.merchant();
    await seedAudience(s.database.db, merchantId, N, { tag: "bc", chatBase: 100_000_000, now: clock.now() });
    const seg = await api("POST", "/v1/segments", {
      name: "telegram",
      rule: { field: "channel", op: "eq", value: "telegram" },
    });
    await api("PUT", "/v1/messaging/settings", { frequencyCap: null });
    const c = await api("POST", "/v1/campaigns", {
      name: "big",
      segmentId: seg.body.id,
      message: { vi: "Chào {{firstName}}, bạn có {{points}} điểm", en: "Hi {{firstName}}" },
    });

    tg.enforceRate({ perSecond: RATE, perChatPerSecond: 1 });
    const injections = [
      { after: Math.floor(N / 5), fail: { status: 429, retryAfter: 1 } },
      { after: Math.floor(N * 0.35), fail: { status: 502, times: 5 } },
      { after: Math.floor(N / 2), fail: { status: 429, retryAfter: 2 } },
      { after: Math.floor(N * 0.7), fail: { status: 500, times: 3 } },
    ];
    const injector = setInterval(() => {
      const n = tg.calls.items.length;
      while (injections.length > 0 && n >= injections[0]!.after) tg.failNext("sendMessage", injections.shift()!.fail);
    }, 5);

    const log: SendLogEntry[] = [];
    const worker = startDeliveryWorker({
      db: s.database.db,
      senders: { telegram: httpTelegramSender(tg.url, tg.token, RATE, log) },
      clock,
      pollMs: 100,
      backoffMs: () => 100,
    });
    const started = Date.now();
    try {
      expect((await api("POST", `/v1/campaigns/${c.body.id}/send`)).status).toBe(202);
      const done = await waitUntil(
        "broadcast done",
        async () => {
          const r = await api("GET", `/v1/campaigns/${c.body.id}`);
          return r.body.status === "done" ? r.body : undefined;
        },
        590_000,
        200,
      );
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `${N} sent in ${seconds.toFixed(1)} s; 429s: ${tg.count429()} (${tg.rateLimitHits} from the fake's own limit); worker stats ${JSON.stringify(worker.stats)}`,
      );
      expect(done.counts).toEqual({
        recipients: N,
        sent: N,
        failed: 0,
        blocked: 0,
        optedOut: 0,
        skippedCap: 0,
        control: 0,
      });

      const ok = tg.succeeded("sendMessage");
      const perChat = new Map<string, number>();
      for (const call of ok) perChat.set(call.chatId!, (perChat.get(call.chatId!) ?? 0) + 1);
      expect(perChat.size).toBe(N); // nobody lost
      expect([...perChat.values()].every((n) => n === 1)).toBe(true); // nobody twice
      expect(ok[0]!.payload.text).toMatch(/^(Chào Khách, bạn có [\d.]+ điểm|Hi Khách)$/);

      // Every 429 honoured: once the sender has read a 429, no request leaves until retry_after has passed …
      const limitedAnswers = log.filter((x) => x.status === 429);
      expect(limitedAnswers.length).toBeGreaterThanOrEqual(2);
      for (const hit of limitedAnswers) {
        const until = hit.end + (hit.retryAfter ?? 1) * 1000;
        const early = log.filter((x) => x.start > hit.end && x.start < until - 2);
        expect(early, `requests issued during the pause after the 429 read at ${hit.end}`).toEqual([]);
      }
      // … and, as the fake saw it, whatever arrived during a pause had left before the 429 was read (it was in flight;
      // the k-th call the fake recorded for a chat is the sender's k-th request to it: one attempt at a time).
      const calls = tg.callsOf("sendMessage");
      const attempts = new Map<string, SendLogEntry[]>();
      for (const x of [...log].sort((a, b) => a.start - b.start))
        attempts.set(x.chatId, [...(attempts.get(x.chatId) ?? []), x]);
      const seen = new Map<string, number>();
      const sentBy = new Map(
        calls.map((call) => {
          const k = seen.get(call.chatId!) ?? 0;
          seen.set(call.chatId!, k + 1);
          return [call, attempts.get(call.chatId!)![k]!] as const;
        }),
      );
      for (const hit of calls.filter((x) => x.status === 429)) {
        const read = sentBy.get(hit)!.end;
        const until = hit.at + (hit.error?.parameters?.retry_after ?? 1) * 1000;
        const late = calls.filter((x) => x.at > hit.at && x.at < until - 5 && sentBy.get(x)!.start > read);
        expect(late, `calls issued after the 429 at ${hit.at} was read that arrived during its pause`).toEqual([]);
      }
      const limited = calls.filter((x) => x.status === 429);
      // 5xx were retried (8 injected failures, all recipients still reached once).
      expect(calls.filter((x) => x.status >= 500)).toHaveLength(8);
      // Pace: at most RATE per sliding second as the fake counted them (its own 429s are counted here).
      console.log(
        `${N} sent in ${seconds.toFixed(1)} s; 429s: ${limited.length} (${tg.rateLimitHits} from the fake's own limit)`,
      );
      expect(seconds).toBeGreaterThanOrEqual(N / RATE);
    } finally {
      clearInterval(injector);
      await worker.stop();
    }
  });
});
