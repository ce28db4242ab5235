/**
 * A JSON value with its object keys in the order Postgres's jsonb keeps them: shorter keys first, keys of equal
 * length by their UTF-8 bytes. A value built this way serialises (JSON.stringify) to the same text after a round
 * trip through a jsonb column, so a response rebuilt from stored jsonb (an order's breakdown: the earn entry holds
 * it, cl_idempotent_replay splices it into the replay) is byte for byte the first one. (JavaScript lists
 * integer-like keys first whatever the insertion order; for those, jsonb's order and JavaScript's agree only when
 * they have no leading zeros — the values this is used on have no such keys.)
 */
const utf8 = new TextEncoder();

function byJsonbOrder(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function jsonbKeyOrder<T>(value: T): T {
  if (Array.isArray(value)) return value.map(jsonbKeyOrder) as T;
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({ k, bytes: utf8.encode(k), v }));
  entries.sort((a, b) => byJsonbOrder(a.bytes, b.bytes));
  const out: Record<string, unknown> = {};
  for (const e of entries) out[e.k] = jsonbKeyOrder(e.v);
  return out as T;
}
