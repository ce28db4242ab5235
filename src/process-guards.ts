/**
 * Node process guards (called once by the Node entries). Two rules:
 *  - The postgres.js 3.4.x bug (`TypeError: Cannot read properties of null (reading 'write')` thrown from a
 *    setImmediate in connection.js when Postgres drops out under load; still present in 3.4.10, and 4.x is a
 *    major rewrite not yet adopted) is recognised exactly and survived: the affected query fails, the pool
 *    reconnects, requests meanwhile get 503 (src/http/outage.ts).
 *  - A promise rejected with a database connection error that nobody awaited (a background task during an
 *    outage) is logged, not fatal: the task runs again on its next tick once the database is back.
 *  - Anything else uncaught is logged and the process exits 1 so a supervisor restarts it: never a silent,
 *    half-dead process.
 */
import { isDatabaseUnavailable, isDriverSocketBug } from "./db/unavailable.ts";
import type { Logger } from "./lib/log.ts";

export interface GuardOptions {
  /** Injected in tests; defaults to process.exit. */
  exit?: (code: number) => void;
}

export function installProcessGuards(logger: Logger, opts: GuardOptions = {}): { driverBugs: () => number } {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let driverBugs = 0;
  const handle = (err: unknown, origin: string) => {
    if (isDriverSocketBug(err)) {
      driverBugs++;
      const msg = "postgres.js wrote to a dropped connection (known driver bug); kept running";
      logger.warn(msg, { count: driverBugs, origin });
      return;
    }
    logger.error("fatal: uncaught error; exiting so a supervisor restarts the process", { error: err, origin });
    exit(1);
  };
  process.on("uncaughtException", (err, origin) => handle(err, origin));
  process.on("unhandledRejection", (reason) => {
    if (isDatabaseUnavailable(reason) && !isDriverSocketBug(reason)) {
      logger.warn("a background task failed: database unavailable", { error: reason });
      return;
    }
    handle(reason, "unhandledRejection");
  });
  return { driverBugs: () => driverBugs };
}
