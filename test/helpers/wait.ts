/**
 * Waiting for a condition instead of sleeping a fixed time: polls `check` until it returns a truthy value (which
 * is returned) or the deadline passes (then fails saying what was awaited). A `check` that throws fails at once —
 * e.g. when the process being waited for has exited.
 */
export interface WaitOptions {
  /** Deadline in ms (default 20 s). */
  timeoutMs?: number;
  /** Poll interval in ms (default 50). */
  intervalMs?: number;
  /** Extra text for the timeout message, e.g. a child process's output. */
  detail?: () => string;
}

export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) {
      const detail = opts.detail?.();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
