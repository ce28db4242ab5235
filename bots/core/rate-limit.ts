/**
 * Per-key token buckets (in memory, per process) for free-text messages and wrong link codes. Time comes from the
 * injected clock. A bucket remembers whether the caller was already told to slow down, so the warning goes out once.
 */
export interface BucketOptions {
  capacity: number;
  windowMs: number;
  now: () => number;
  /** Forget idle keys beyond this many (memory bound). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  warned: boolean;
}

export type TakeResult = "ok" | "limited-warn" | "limited-silent";

export class TokenBuckets {
  readonly #capacity: number;
  readonly #ratePerMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(opts: BucketOptions) {
    this.#capacity = opts.capacity;
    this.#ratePerMs = opts.capacity / opts.windowMs;
    this.#now = opts.now;
    this.#maxKeys = opts.maxKeys ?? 50_000;
  }

  #refill(key: string): Bucket {
    const t = this.#now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) this.#prune(t);
      b = { tokens: this.#capacity, at: t, warned: false };
      this.#buckets.set(key, b);
      return b;
    }
    const gained = Math.max(0, t - b.at) * this.#ratePerMs;
    b.tokens = Math.min(this.#capacity, b.tokens + gained);
    b.at = t;
    if (b.tokens >= 1) b.warned = false;
    return b;
  }

  #prune(t: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + (t - b.at) * this.#ratePerMs >= this.#capacity) this.#buckets.delete(k);
    }
    if (this.#buckets.size >= this.#maxKeys) this.#buckets.clear();
  }

  /** Takes one token: "ok", or limited (warn the first time, then silently). */
  take(key: string): TakeResult {
    const b = this.#refill(key);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return "ok";
    }
    if (b.warned) return "limited-silent";
    b.warned = true;
    return "limited-warn";
  }

  /** True when `key` has no token left (without taking one). */
  exhausted(key: string): boolean {
    return this.#refill(key).tokens < 1;
  }
}
