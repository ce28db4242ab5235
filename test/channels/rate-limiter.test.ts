import { describe, expect, it } from "vitest";
import { createPacer } from "../../src/channels/rate-limiter.ts";
import { FakeTelegramServer } from "../fakes/telegram-server.ts";

/** A manual clock: sleep() registers a timer, advance() fires them in time order. */
class FakeClock {
  t = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];
  now = () => this.t;
  sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const timer = { at: this.t + ms, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });
  async flush() {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
  async advance(ms: number) {
    const end = this.t + ms;
    await this.flush();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
      await this.flush();
    }
    this.t = end;
    await this.flush();
  }
}

function maxInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe("createPacer (fake clock)", () => {
  it("spaces grants evenly at 1000/rate ms, FIFO, no burst", async () => {
    const clock = new FakeClock();
    const pacer = createPacer({ ratePerSecond: 10, now: clock.now, sleep: clock.sleep });
    expect(pacer.intervalMs).toBe(100);
    const grants: Array<{ i: number; at: number }> = [];
    for (let i = 0; i < 25; i++) void pacer.acquire(`chat-${i}`).then(() => grants.push({ i, at: clock.now() }));
    await clock.advance(5000);
    expect(grants.map((g) => g.i)).toEqual([...Array(25).keys()]);
    expect(grants.map((g) => g.at)).toEqual([...Array(25).keys()].map((i) => i * 100));
    expect(maxInWindow(grants.map((g) => g.at))).toBe(10);
    expect(pacer.pending).toBe(0);
  });

  it("does not catch up after idle or slow periods", async () => {
    const clock = new FakeClock();
    const pacer = createPacer({ ratePerSecond: 10, now: clock.now, sleep: clock.sleep });
    const at: number[] = [];
    const take = (chat: string) => pacer.acquire(chat).then(() => at.push(clock.now()));
    void take("a");
    await clock.advance(5000); // idle for 5 s
    for (const c of ["b", "c", "d", "e"]) void take(c);
    await clock.advance(1000);
    expect(at).toEqual([0, 5000, 5100, 5200, 5300]);
    await clock.advance(350); // slow caller: last grant at 5300, next comes at 6350
    void take("f");
    void take("g");
    await clock.advance(1000);
    expect(at.slice(-2)).toEqual([6350, 6450]);
  });

  it("with catchUpMs, its own late wake-ups are made up (up to catchUpMs), idle time never", async () => {
    const run = async (lateMs: number) => {
      const clock = new FakeClock();
      const lateSleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms + lateMs, signal); // timers fire late
      const pacer = createPacer({ ratePerSecond: 10, catchUpMs: 50, now: clock.now, sleep: lateSleep });
      const at: number[] = [];
      const take = (chat: string) => pacer.acquire(chat).then(() => at.push(clock.now()));
      for (const c of ["a", "b", "c", "d"]) void take(c);
      await clock.advance(1000);
      await clock.advance(5000); // idle
      void take("e");
      await clock.advance(10);
      void take("f");
      await clock.advance(1000);
      return at;
    };
    expect(await run(30)).toEqual([0, 130, 230, 330, 6000, 6130]);
    expect(await run(80)).toEqual([0, 180, 310, 440, 6000, 6180]);
  });

  it("startCall: requests leave one after another, at least intervalMs apart, even when marked together", async () => {
    const clock = new FakeClock();
    // Timers that fire early on the pacer's clock (a coarse timer against a fine clock): the gap still holds.
    const earlySleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms * 0.9, signal);
    const pacer = createPacer({ ratePerSecond: 10, now: clock.now, sleep: earlySleep });
    const at: number[] = [];
    // Four grants already made, their requests released at the same moment (one database mark for all of them).
    for (let i = 0; i < 4; i++) void pacer.startCall().then(() => at.push(clock.now()));
    await clock.advance(1000);
    expect(at).toHaveLength(4);
    expect(at[0]).toBe(0);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(100);
    expect(at[3]).toBeLessThan(310); // and no slower than the rate (bar the timers' own slack)
    // An idle gap is not made up: the next request goes at once, the one after it a whole interval later.
    await clock.advance(2000);
    const later: number[] = [];
    for (let i = 0; i < 2; i++) void pacer.startCall().then(() => later.push(clock.now()));
    await clock.advance(500);
    expect(later[0]).toBe(3000);
    expect(later[1]! - later[0]!).toBeGreaterThanOrEqual(100);
  });

  it("sends to one chat at most once per perChatIntervalMs without holding other chats", async () => {
    const clock = new FakeClock();
    const pacer = createPacer({ ratePerSecond: 100, now: clock.now, sleep: clock.sleep });
    const log: string[] = [];
    const take = (chat: string) => pacer.acquire(chat).then(() => log.push(`${chat}@${clock.now()}`));
    void take("A");
    void take("A");
    void take("B");
    void take("A");
    void take("C");
    await clock.advance(3000);
    expect(log).toEqual(["A@0", "B@10", "C@20", "A@1000", "A@2000"]);
  });

  it("honours a custom perChatIntervalMs", async () => {
    const clock = new FakeClock();
    const pacer = createPacer({ ratePerSecond: 100, perChatIntervalMs: 250, now: clock.now, sleep: clock.sleep });
    const at: number[] = [];
    for (let i = 0; i < 3; i++) void pacer.acquire(7).then(() => at.push(clock.now()));
    await clock.advance(1000);
    expect(at).toEqual([0, 250, 500]);
  });

  it("pauseFor blocks every grant until the pause ends, and only extends", async () => {
    const clock = new FakeClock();
    const pacer = createPacer({ ratePerSecond: 10, now: clock.now, sleep: clock.sleep });
    const at: number[] = [];
    for (let i = 0; i < 3; i++) void pacer.acquire(`c${i}`).then(() => at.push(clock.now()));
    await clock.advance(50);
    expect(at).toEqual([0]);
    pacer.pauseFor(2000); // a 429 with retry_after 2
    pacer.pauseFor(500); // shorter pause does not shorten it
    await clock.advance(1900);
    expect(at).toEqual([0]);
    await clock.advance(1000);
    expect(at).toEqual([0, 2050, 2150]);
  });

  it("a new waiter for a ready chat wakes the pacer while others wait on their chat", async () => {
    const clock = new FakeClock();
    const pacer = createPacer({ ratePerSecond: 50, now: clock.now, sleep: clock.sleep });
    const log: string[] = [];
    void pacer.acquire("A").then(() => log.push(`A@${clock.now()}`));
    void pacer.acquire("A").then(() => log.push(`A2@${clock.now()}`));
    await clock.advance(100);
    void pacer.acquire("B").then(() => log.push(`B@${clock.now()}`));
    await clock.advance(2000);
    expect(log).toEqual(["A@0", "B@100", "A2@1000"]);
  });

  it("an aborted waiter is dropped and rejects", async () => {
    const clock = new FakeClock();
    const pacer = createPacer({ ratePerSecond: 1, now: clock.now, sleep: clock.sleep });
    await pacer.acquire("x");
    const ctrl = new AbortController();
    const p = pacer.acquire("y", { signal: ctrl.signal });
    const q = pacer.acquire("z");
    ctrl.abort(new Error("cancelled"));
    await expect(p).rejects.toThrow("cancelled");
    await clock.advance(1000);
    await q;
    expect(clock.now()).toBe(1000);
    expect(pacer.pending).toBe(0);
  });

  it("rejects a non-positive rate", () => {
    expect(() => createPacer({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => createPacer({ ratePerSecond: Number.NaN })).toThrow(RangeError);
  });
});

describe("createPacer (real time)", () => {
  it("100 acquires at 50/s take ≈2 s and never exceed 50 in any sliding 1-s window", async () => {
    const pacer = createPacer({ ratePerSecond: 50 });
    const t0 = Date.now();
    const granted = await Promise.all(Array.from({ length: 100 }, (_, i) => pacer.acquire(`chat-${i}`)));
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(1980);
    expect(elapsed).toBeLessThan(3000);
    // grant times (Date.now at grant), in FIFO order
    expect(maxInWindow(granted)).toBeLessThanOrEqual(50);
    for (let i = 1; i < granted.length; i++) {
      expect((granted[i] as number) - (granted[i - 1] as number)).toBeGreaterThanOrEqual(20);
    }
    for (let i = 50; i < granted.length; i++) {
      expect((granted[i] as number) - (granted[i - 50] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  it("a paced broadcast through the fake Telegram server with enforced limits gets no 429", async () => {
    const tg = await FakeTelegramServer.start();
    // windowMs 900 leaves 100 ms for local HTTP jitter between grant and arrival.
    tg.enforceRate({ perSecond: 25, perChatPerSecond: 1, windowMs: 900 });
    const pacer = createPacer({ ratePerSecond: 25 });
    try {
      const chats = Array.from({ length: 40 }, (_, i) => 1000 + (i % 30)); // some chats twice
      await Promise.all(
        chats.map(async (chat_id, i) => {
          await pacer.acquire(chat_id);
          const res = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ chat_id, text: `msg ${i}` }),
          });
          expect(res.status).toBe(200);
        }),
      );
      expect(tg.rateLimitHits).toBe(0);
      expect(tg.succeeded("sendMessage")).toHaveLength(40);
    } finally {
      await tg.close();
    }
  });
});
