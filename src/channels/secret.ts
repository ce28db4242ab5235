// Runtime-neutral (Node, Cloudflare Workers, browsers) secret comparison.
// No node:crypto: compares the UTF-8 bytes in a constant-time loop, so only the
// length of the strings can leak through timing.

const encoder = new TextEncoder();

/**
 * Constant-time string equality for webhook secrets and similar tokens.
 * Returns false when either side is not a string (e.g. a missing header).
 * Two empty strings are equal: callers must refuse an empty configured secret themselves.
 */
export function timingSafeEqualString(a: string | null | undefined, b: string | null | undefined): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  // Always walk the expected length; a length mismatch is folded into the result.
  const len = x.length;
  let diff = x.length ^ y.length;
  for (let i = 0; i < len; i++) {
    diff |= (x[i] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  }
  return diff === 0;
}
