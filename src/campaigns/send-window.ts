/**
 * The platform's own rule, enforced on our side: at most `limit` messages per bot and one per chat in any sliding
 * second, counted the way the platform can count them.
 *
 * The platform stamps a message when the request reaches it, which is somewhere between the moment we start the
 * call and the moment its answer is back. So a send occupies its slot from its start until one window after its
 * answer (in flight = occupied): the (n + limit)-th send may start only `windowMs + marginMs` after the n-th one's
 * answer. Then no `limit + 1` messages can ever land in one platform window, whatever the jitter between our clock
 * and the platform's (event-loop stalls, a loaded machine, slow networks); the margin covers clock granularity.
 * The pacer spaces sends evenly below the rate; this guard is what makes a 429 impossible, not merely unlikely.
 */
import { defaultSleep } from "../channels/rate-limiter.ts";

export interface SendSlot {
  /** The call starts now (the platform cannot see it before). */
  start(): void;
  /** The call's answer is back (or it failed): the slot frees one window from now. */
  end(): void;
  /** Nothing was sent after all (e.g. a 429 pause began): frees the slot at once. */
  cancel(): void;
}

export interface SendWindowOptions {
  /** Messages per window across the bot. */
  limit: number;
  /** Messages per window per chat (default 1). */
  perChat?: number;
  /** The platform's window (default 1000 ms). */
  windowMs?: number;
  /** Added to the window: clock granularity (the platform stamps whole ms) and clock drift (default 3 ms). */
  marginMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface ChatState {
  open: number;
  /** End times of this chat's finished sends still inside the window, oldest first. */
  ends: number[];
}

export class SendWindow {
  readonly limit: number;
  readonly perChat: number;
  readonly spanMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Slots reserved or in flight (their end is unknown yet). */
  private open = 0;
  /** End times of finished sends, in the order they finished (non-decreasing), from `head` on. */
  private ends: number[] = [];
  private head = 0;
  private readonly chats = new Map<string, ChatState>();
  /** Waiters blocked by an open slot are woken when one ends. */
  private wakers = new Set<() => void>();
  private chatSweepAt = 1024;

  constructor(o: SendWindowOptions) {
    this.limit = Math.max(1, Math.floor(o.limit));
    this.perChat = Math.max(1, Math.floor(o.perChat ?? 1));
    this.spanMs = (o.windowMs ?? 1000) + (o.marginMs ?? 3);
    this.now = o.now ?? (() => performance.now());
    this.sleep = o.sleep ?? defaultSleep;
  }

  /** Sends counted in the window right now (open ones included). */
  get occupied(): number {
    this.prune(this.now());
    return this.open + this.ends.length - this.head;
  }

  private prune(t: number): void {
    const cutoff = t - this.spanMs;
    while (this.head < this.ends.length && this.ends[this.head]! <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.ends.length) {
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
  }

  private chat(chatId: string, t: number): ChatState | undefined {
    const c = this.chats.get(chatId);
    if (!c) return undefined;
    const cutoff = t - this.spanMs;
    while (c.ends.length > 0 && c.ends[0]! <= cutoff) c.ends.shift();
    if (c.open === 0 && c.ends.length === 0) {
      this.chats.delete(chatId);
      return undefined;
    }
    return c;
  }

  /** Resolves with a reserved slot once a send to `chatId` cannot exceed the platform's window. */
  async acquire(chatId: string, signal?: AbortSignal): Promise<SendSlot> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
      const t = this.now();
      this.prune(t);
      const c = this.chat(chatId, t);
      const globalUsed = this.open + this.ends.length - this.head;
      const chatUsed = c ? c.open + c.ends.length : 0;
      if (globalUsed < this.limit && chatUsed < this.perChat) return this.reserve(chatId);
      // Blocked: wait until enough finished sends leave the window (∞ when open ones must end first: end() wakes us).
      let until = t;
      if (globalUsed >= this.limit) {
        const k = globalUsed - this.limit; // the (k+1)-th oldest finished send must leave
        const freeing = this.ends[this.head + k];
        until =
          freeing !== undefined && k < globalUsed - this.open
            ? Math.max(until, freeing + this.spanMs)
            : Number.POSITIVE_INFINITY;
      }
      if (c && chatUsed >= this.perChat) {
        const k = chatUsed - this.perChat;
        const freeing = c.ends[k];
        until = freeing !== undefined ? Math.max(until, freeing + this.spanMs) : Number.POSITIVE_INFINITY;
      }
      await this.waitUntil(until, signal);
    }
  }

  private waitUntil(until: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const ctl = new AbortController();
      const done = () => {
        this.wakers.delete(done);
        signal?.removeEventListener("abort", done);
        ctl.abort();
        resolve();
      };
      this.wakers.add(done);
      signal?.addEventListener("abort", done, { once: true });
      if (until !== Number.POSITIVE_INFINITY) void this.sleep(Math.max(0, until - this.now()), ctl.signal).then(done);
    });
  }

  /** Forgets chats with nothing in the window (amortised: runs when the map doubled since the last sweep). */
  private sweepChats(): void {
    const t = this.now();
    for (const id of [...this.chats.keys()]) this.chat(id, t);
    this.chatSweepAt = Math.max(1024, this.chats.size * 2);
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }

  private reserve(chatId: string): SendSlot {
    if (this.chats.size > this.chatSweepAt) this.sweepChats();
    this.open++;
    let c = this.chats.get(chatId);
    if (!c) {
      c = { open: 0, ends: [] };
      this.chats.set(chatId, c);
    }
    c.open++;
    const chat = c;
    let state: "reserved" | "started" | "done" = "reserved";
    const close = (counted: boolean) => {
      if (state === "done") return;
      state = "done";
      this.open--;
      chat.open--;
      if (counted) {
        const t = this.now();
        this.ends.push(t);
        chat.ends.push(t);
      } else if (chat.open === 0 && chat.ends.length === 0) {
        this.chats.delete(chatId);
      }
      this.wakeAll();
    };
    return {
      start: () => {
        if (state === "reserved") state = "started";
      },
      end: () => close(true),
      cancel: () => close(state === "started"),
    };
  }
}
