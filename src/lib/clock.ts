/** Injected time, so tests can run weeks in a second. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  #t: number;
  constructor(start: Date | string = "2026-11-20T03:00:00Z") {
    this.#t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#t);
  }
  set(at: Date | string): void {
    this.#t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.#t += ms;
  }
  advanceDays(days: number): void {
    this.#t += days * 86_400_000;
  }
}
