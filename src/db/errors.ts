/** Recognise Postgres errors through whichever driver/wrapper raised them (postgres.js, PGlite, Drizzle). */
export function pgErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function constraintName(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const c =
      (e as { constraint_name?: unknown; constraint?: unknown }).constraint_name ??
      (e as { constraint?: unknown }).constraint;
    if (typeof c === "string") return c;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === "23505";
export const isSerializationFailure = (err: unknown) => pgErrorCode(err) === "40001" || pgErrorCode(err) === "40P01";

/**
 * A value Postgres refused (class 22 data exceptions: NUL in text, out-of-range integer or date, bad encoding; 54000
 * index row too large). The validation layer should catch these first; this is the last line, mapped to 400.
 */
export const isDataException = (err: unknown) => {
  const code = pgErrorCode(err);
  return code !== undefined && (code.startsWith("22") || code === "54000");
};
