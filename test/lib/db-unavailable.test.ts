/** The outage classifier: exactly the postgres.js write-after-close bug and connection-level failures, nothing else. */
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, isDriverSocketBug } from "../../src/db/unavailable.ts";

function driverBug(file = "/app/node_modules/postgres/src/connection.js"): TypeError {
  const e = new TypeError("Cannot read properties of null (reading 'write')");
  e.stack = `TypeError: Cannot read properties of null (reading 'write')\n    at nextWrite (${file}:255:22)\n    at process.processImmediate (node:internal/timers:485:21)`;
  return e;
}

describe("database unavailable", () => {
  it("recognises the postgres.js bug only from the driver's own file", () => {
    expect(isDriverSocketBug(driverBug())).toBe(true);
    expect(isDriverSocketBug(driverBug("C:\\app\\node_modules\\postgres\\cjs\\src\\connection.js"))).toBe(true);
    expect(isDriverSocketBug(driverBug("/app/src/orders/place.ts"))).toBe(false);
    expect(isDriverSocketBug(new TypeError("Cannot read properties of null (reading 'write')"))).toBe(false);
    expect(isDriverSocketBug(new TypeError("x is not a function"))).toBe(false);
  });

  it("maps connection failures (also wrapped by Drizzle) and shutdown/timeout SQLSTATEs, not query errors", () => {
    const wrapped = (cause: unknown) => Object.assign(new Error("Failed query: select 1\nparams: "), { cause });
    for (const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "CONNECT_TIMEOUT", "57P01", "57014", "08006"]) {
      expect(isDatabaseUnavailable(wrapped(Object.assign(new Error(code), { code }))), code).toBe(true);
    }
    for (const code of ["23505", "40001", "22P02", "42P01"]) {
      expect(isDatabaseUnavailable(wrapped(Object.assign(new Error(code), { code }))), code).toBe(false);
    }
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
  });
});
