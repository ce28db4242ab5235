/**
 * Webhook helpers shared by the channel adapters: answer within a time budget while slow work goes on
 * (de-duplication makes a platform retry harmless), and keep track of that work for a clean shutdown.
 */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  track<T>(p: Promise<T>): Promise<T> {
    const tracked = p.finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
    return p;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Waits for the running work (at most `timeoutMs`). */
  async drain(timeoutMs = 10_000): Promise<void> {
    if (this.#running.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#running]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}

/**
 * Resolves "done" when `work` settles within `budgetMs`, else "late" (the work keeps running; `defer` receives it
 * so a Worker runtime can hand it to `waitUntil`). Never rejects: `work` must handle its own errors.
 */
export async function withinBudget(work: Promise<unknown>, budgetMs: number, defer?: (p: Promise<unknown>) => void): Promise<"done" | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), budgetMs);
  });
  const outcome = await Promise.race([work.then(() => "done" as const, () => "done" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") defer?.(work);
  return outcome;
}
