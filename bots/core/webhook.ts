/**
 * Webhook helpers shared by the channel adapters: answer within a time budget while slow work goes on
 * (de-duplication makes a platform retry harmless), and keep track of that work for a clean shutdown.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../src/http/env.ts";
import { secretEquals } from "../../src/lib/crypto.ts";

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
export async function withinBudget(
  work: Promise<unknown>,
  budgetMs: number,
  defer?: (p: Promise<unknown>) => void,
): Promise<"done" | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), budgetMs);
  });
  const outcome = await Promise.race([
    work.then(
      () => "done" as const,
      () => "done" as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (outcome === "late") defer?.(work);
  return outcome;
}

/**
 * The common front of a platform webhook: the secret header checked in constant time (when a secret is configured)
 * and the body parsed as JSON. Returns the JSON, or the Response to send (401 wrong secret, 400 malformed).
 */
export async function readWebhook(
  c: Context<AppEnv>,
  platform: string,
  header: string,
  secret: string | undefined,
): Promise<{ json: unknown } | Response> {
  if (secret !== undefined) {
    const given = c.req.header(header);
    if (given === undefined || !(await secretEquals(given, secret))) {
      c.get("logger").warn(`${platform} webhook: wrong or missing secret token`);
      return c.json({ ok: false, error: "unauthorized" }, 401);
    }
  }
  try {
    return { json: await c.req.json() };
  } catch {
    return c.json({ ok: false, error: "malformed JSON" }, 400);
  }
}
