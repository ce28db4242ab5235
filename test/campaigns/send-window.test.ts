/** The send window on a fake clock: a slot frees one window (+ margin) after its call's answer, never earlier. */
import { describe, expect, it } from "vitest";
import { SendWindow } from "../../src/campaigns/send-window.ts";

/** A fake clock whose sleeps resolve when the test advances time past them. */
function fakeTime() {
  let t = 0;
  const sleepers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        sleepers.push({ at: t + ms, resolve });
        signal?.addEventListener("abort", () => resolve(), { once: true });
      }),
    async advance(ms: number) {
      t += ms;
      for (const s of sleepers.splice(0)) {
        if (s.at <= t) s.resolve();
        else sleepers.push(s);
      }
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

async function settled<T>(p: Promise<T>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

describe("SendWindow", () => {
  it("the (limit+1)-th send starts only one window after the first one's answer", async () => {
    const time = fakeTime();
    const w = new SendWindow({ limit: 3, windowMs: 1000, marginMs: 3, now: time.now, sleep: time.sleep });
    const slots = [await w.acquire("a"), await w.acquire("b"), await w.acquire("c")];
    for (const s of slots) s.start();
    const fourth = w.acquire("d");
    expect(await settled(fourth)).toBe(false);
    await time.advance(2000);
    expect(await settled(fourth)).toBe(false); // all three still in flight: the platform may stamp them any time
    slots[0]!.end(); // answered at t = 2000
    await time.advance(1002);
    expect(await settled(fourth)).toBe(false);
    await time.advance(1);
    expect(await settled(fourth)).toBe(true); // 2000 + 1000 + 3
    expect(w.occupied).toBe(3);
  });

  it("one per chat per window, counted from the answer; other chats are not held up", async () => {
    const time = fakeTime();
    const w = new SendWindow({ limit: 10, windowMs: 1000, marginMs: 3, now: time.now, sleep: time.sleep });
    const first = await w.acquire("a");
    first.start();
    const again = w.acquire("a");
    expect(await settled(w.acquire("b"))).toBe(true);
    await time.advance(50);
    first.end();
    await time.advance(1000);
    expect(await settled(again)).toBe(false);
    await time.advance(3);
    expect(await settled(again)).toBe(true);
  });

  it("a slot cancelled before its call frees at once; after the call started it counts like an answer", async () => {
    const time = fakeTime();
    const w = new SendWindow({ limit: 1, windowMs: 1000, marginMs: 0, now: time.now, sleep: time.sleep });
    (await w.acquire("a")).cancel();
    const s = await w.acquire("b");
    s.start();
    s.cancel();
    const next = w.acquire("c");
    await time.advance(999);
    expect(await settled(next)).toBe(false);
    await time.advance(1);
    expect(await settled(next)).toBe(true);
  });

  it("waiting ends with the abort signal", async () => {
    const time = fakeTime();
    const w = new SendWindow({ limit: 1, now: time.now, sleep: time.sleep });
    (await w.acquire("a")).start();
    const ctl = new AbortController();
    const waiting = w.acquire("b", ctl.signal);
    ctl.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
  });

  it("random latencies: no window of the platform's clock ever holds more than the limit", async () => {
    const time = fakeTime();
    const limit = 5;
    const w = new SendWindow({ limit, windowMs: 1000, marginMs: 3, now: time.now, sleep: time.sleep });
    const stamps: number[] = [];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const running: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      running.push(
        (async () => {
          const slot = await w.acquire(`chat${i}`);
          slot.start();
          const start = time.now();
          const latency = Math.floor(rnd() * 400);
          await time.sleep(latency);
          // The platform stamps the call anywhere between start and answer: here at the latest possible moment
          // for even calls and the earliest for odd ones (the worst mix for a sliding window).
          stamps.push(i % 2 === 0 ? start + latency : start);
          slot.end();
        })(),
      );
    }
    for (let step = 0; step < 20_000 && stamps.length < 60; step++) await time.advance(1);
    await Promise.all(running);
    stamps.sort((a, b) => a - b);
    for (let i = limit; i < stamps.length; i++) expect(stamps[i]! - stamps[i - limit]!).toBeGreaterThan(1000);
  });
});
