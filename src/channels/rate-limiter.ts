// Runtime-neutral send pacer for broadcasts (Telegram ≈ 25/s, Zalo ≈ 10/s).
//
// - Global spacing: grants are at least 1000/ratePerSecond ms apart, measured from the
//   previous actual grant (no bursts, no catch-up after idle or slow periods), so no
//   sliding one-second window ever holds more than ratePerSecond grants. With
//   `catchUpMs`, a grant the pacer itself made late (its timer woke late) by up to
//   that much is made up: the next one keeps the grid, so two grants may be closer
//   by at most catchUpMs. Idle time and slow callers are never made up.
// - Per chat: at most one grant per perChatIntervalMs for the same chat.
// - pauseFor(ms): nothing is granted until the pause ends (429 retry_after).
// - Waiters are served in FIFO order among those whose chat is ready; a waiter whose
//   chat is still cooling down does not hold up other chats.
// - Clock and sleep are injected so tests can run on a fake clock.

export type ChatKey = string | number;

export interface PacerOptions {
  /** Grants per second across the bot (> 0). */
  ratePerSecond: number;
  /** Minimum interval between two grants for one chat (default 1000 ms). */
  perChatIntervalMs?: number;
  /**
   * How far a late grant (a timer or the process woke late) may be made up by spacing the next ones closer, ms
   * (default 0: never — spacing is measured from the previous actual grant). Bounds the burst after idle time too.
   */
  catchUpMs?: number;
  now?: () => number;
  /**
   * Sleeps `ms`. The optional signal aborts when the pacer wants to wake up early
   * (a new waiter or a pause); honouring it is optional.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AcquireOptions {
  /** Abort waiting: the promise rejects with the signal's reason and the waiter is dropped. */
  signal?: AbortSignal;
}

export interface Pacer {
  /** Resolves, with the grant time (`now()`), when the caller may send one message to `chatId`. */
  acquire(chatId: ChatKey, options?: AcquireOptions): Promise<number>;
  /** Blocks every grant for `ms` from now (extends, never shortens, a running pause). */
  pauseFor(ms: number): void;
  /** Waiters not yet granted. */
  readonly pending: number;
  /** Minimum spacing between grants, ms. */
  readonly intervalMs: number;
  /**
   * Call right before the request leaves: resolves once the previous caller's request started at least `intervalMs`
   * ago (one after another, no catch-up). Grants are spaced, but work between a grant and its request (a database
   * mark committed for several grants at once) can bunch the requests themselves; this keeps them apart.
   */
  startCall(): Promise<void>;
}

interface Waiter {
  chat: string;
  /** now() when it started waiting. */
  since: number;
  resolve: (grantedAt: number) => void;
  reject: (reason: unknown) => void;
  cleanup: () => void;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function createPacer(options: PacerOptions): Pacer {
  const { ratePerSecond } = options;
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
    throw new RangeError("createPacer: ratePerSecond must be a positive finite number");
  }
  const intervalMs = 1000 / ratePerSecond;
  const perChatIntervalMs = Math.max(0, options.perChatIntervalMs ?? 1000);
  const catchUpMs = Math.max(0, options.catchUpMs ?? 0);
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? defaultSleep;

  const queue: Waiter[] = [];
  const chatReadyAt = new Map<string, number>();
  let nextGlobalAt = Number.NEGATIVE_INFINITY;
  let pausedUntil = Number.NEGATIVE_INFINITY;
  let running = false;
  let wake: AbortController | undefined;
  let calls: Promise<void> = Promise.resolve();
  let lastCallAt = Number.NEGATIVE_INFINITY;

  function poke(): void {
    wake?.abort();
    if (!running) void run();
  }

  function forgetOldChats(t: number): void {
    if (chatReadyAt.size < 10_000) return;
    for (const [chat, at] of chatReadyAt) if (at <= t) chatReadyAt.delete(chat);
  }

  async function run(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const t = now();
        const gate = Math.max(nextGlobalAt, pausedUntil);
        // First waiter (FIFO) whose chat is ready; else the earliest time one becomes ready.
        let chosen = -1;
        let earliestChat = Number.POSITIVE_INFINITY;
        for (let i = 0; i < queue.length; i++) {
          const ready = chatReadyAt.get((queue[i] as Waiter).chat) ?? Number.NEGATIVE_INFINITY;
          if (ready <= t) {
            chosen = i;
            break;
          }
          earliestChat = Math.min(earliestChat, ready);
        }
        const waitUntil = chosen >= 0 ? gate : Math.max(gate, earliestChat);
        if (waitUntil > t) {
          wake = new AbortController();
          const woke = new Promise<void>((resolve) =>
            wake?.signal.addEventListener("abort", () => resolve(), { once: true }),
          );
          await Promise.race([sleep(Math.ceil(waitUntil - t), wake.signal), woke]);
          wake = undefined;
          continue; // re-evaluate: time passed, waiters or pauses may have changed
        }
        const waiter = queue.splice(chosen, 1)[0] as Waiter;
        const grantedAt = now();
        // Lateness = how long after it could have gone this waiter was granted (our wake-up, not the caller's).
        const due = Math.max(gate, waiter.since, chatReadyAt.get(waiter.chat) ?? Number.NEGATIVE_INFINITY);
        nextGlobalAt = grantedAt - Math.min(Math.max(0, grantedAt - due), catchUpMs) + intervalMs;
        chatReadyAt.set(waiter.chat, grantedAt + perChatIntervalMs);
        forgetOldChats(grantedAt);
        waiter.cleanup();
        waiter.resolve(grantedAt);
      }
    } finally {
      running = false;
    }
  }

  return {
    intervalMs,
    get pending() {
      return queue.length;
    },
    acquire(chatId: ChatKey, acquireOptions: AcquireOptions = {}): Promise<number> {
      const { signal } = acquireOptions;
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<number>((resolve, reject) => {
        const onAbort = () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          reject(signal?.reason);
          poke();
        };
        const waiter: Waiter = {
          chat: String(chatId),
          since: now(),
          resolve,
          reject,
          cleanup: () => signal?.removeEventListener("abort", onAbort),
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
        poke();
      });
    },
    startCall(): Promise<void> {
      calls = calls.then(async () => {
        // A timer may fire a little before its delay on the pacer's clock: wait again until the gap is whole.
        for (let t = now(); t < lastCallAt + intervalMs; t = now())
          await sleep(Math.max(1, lastCallAt + intervalMs - t));
        lastCallAt = now();
      });
      return calls;
    },
    pauseFor(ms: number): void {
      if (!(ms > 0)) return;
      pausedUntil = Math.max(pausedUntil, now() + ms);
      poke();
    },
  };
}
