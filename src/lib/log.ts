/**
 * Structured JSON logs, one object per line. Every line goes through the redaction layer (src/lib/redact.ts):
 * phone numbers, names, birthdays, chat text, tokens and query parameters never reach the output, even from driver
 * errors passed as fields (pass the Error itself: it is serialised with its code and a redacted message).
 */
import { redactText, redactValue } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** `write` defaults to console.error (stderr on Node): stdout is kept for command output. */
export function createLogger(
  level: LogLevel = "info",
  base: Record<string, unknown> = {},
  write: (line: string) => void = (l) => console.error(l),
): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < order[level]) return;
    const safe = redactValue({ ...base, ...fields }) as Record<string, unknown>;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: redactText(msg), ...safe }));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
