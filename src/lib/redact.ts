/**
 * Redaction for log lines: personal data (phone numbers, names, birthdays, chat text) and secrets (API keys, bot
 * tokens, bearer tokens) never reach the logs, including inside driver errors. Failed queries keep their SQL but
 * never their parameters. Applied by the logger to the message and every field, so call sites need not remember.
 */

/** Field names whose values are personal data or secrets, whatever they hold. */
const SENSITIVE_KEY = new RegExp(
  "^(phone|memberphone|name|displayname|firstname|lastname|fullname|birthday|dateofbirth|dob|email|text|body" +
    "|params|parameters|args|contact)$|token|secret|password|apikey|api_key|authorization|cookie",
  "i",
);

const TEXT_RULES: [RegExp, string][] = [
  // Drizzle's DrizzleQueryError message: "Failed query: <sql>\nparams: <values>".
  [/(\bparams:)[\s\S]*$/, "$1 [redacted]"],
  // Postgres constraint details: Key (phone)=(+84901234567) already exists.
  [/(Key \([^)]*\)=\()[^)]*(\))/g, "$1[redacted]$2"],
  // Failing row contains (…) — every column value of the row.
  [/(Failing row contains \()[\s\S]*?(\)\.?)(?=$|\n)/g, "$1[redacted]$2"],
  [/\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, "[bot-token]"],
  [/\bck_[a-z]+_[a-z0-9]{16,}\b/gi, "[api-key]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, "$1 [redacted]"],
  // Phone numbers: E.164 or national, contiguous or grouped (+84 90 123 4567, 0901.234.567).
  [/(?<![\w.])\+?\d{9,15}(?![\w])/g, "[phone]"],
  [/(?<![\w.])(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?(?:[\s.-]\d{2,4}){2,4}(?![\w.])/g, "[phone]"],
  // Dates of birth and other calendar dates in free text are kept (timestamps are needed); `birthday` keys are not.
];

export function redactText(s: string): string {
  let out = s;
  for (const [re, to] of TEXT_RULES) out = out.replace(re, to);
  return out;
}

function redactError(e: Error, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = { name: e.name, message: redactText(e.message) };
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") o.code = code;
  // The stack's first line repeats the message (with the parameters): rebuild it from the redacted message.
  if (e.stack)
    o.stack = redactText(
      e.stack
        .split("\n")
        .filter((l) => /^\s+at /.test(l))
        .slice(0, 12)
        .join("\n"),
    );
  if (e.cause !== undefined && depth < 4) o.cause = redactValue(e.cause, depth + 1);
  return o;
}

export function redactValue(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return redactText(v);
  if (v === null || typeof v !== "object") return v;
  if (depth > 6) return "[deep]";
  if (v instanceof Error) return redactError(v, depth);
  if (v instanceof Date) return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = SENSITIVE_KEY.test(k) && x != null ? "[redacted]" : redactValue(x, depth + 1);
  }
  return out;
}
