/**
 * A sleep that wakes within ~0.1 ms of its target: timers fire late (≥ 1 ms, more under load), which at bot-like
 * rates (one message every ~33 ms) adds up to a visibly lower rate. A timer covers the bulk, a setImmediate loop
 * the last ms (plain timers where setImmediate is missing, e.g. Workers without nodejs_compat).
 */
export function preciseSleep(ms: number, signal?: AbortSignal): Promise<void> {
  const target = performance.now() + ms;
  return new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const tick = () => {
      timer = undefined;
      if (signal?.aborted) return done();
      const left = target - performance.now();
      if (left <= 0) return done();
      if (left > 2) timer = setTimeout(tick, left - 1.5);
      else if (typeof setImmediate === "function") setImmediate(tick);
      else timer = setTimeout(tick, 0);
    };
    if (signal?.aborted) return resolve();
    signal?.addEventListener("abort", done, { once: true });
    tick();
  });
}
