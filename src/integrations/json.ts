/**
 * Lossless JSON for platform payloads: every number is kept as its source text, so 18-digit ids (Shopify test
 * notifications) and decimal amounts reach the mapping exactly, never through a lossy double. Uses the
 * JSON.parse source-text access (reviver `context.source`: Node ≥ 21, Workers).
 */
type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

// Without source access (an older engine) numbers become text all the same; only ids above 2^53 would then be off.
const keepSource: Reviver = (_key, value, context) =>
  typeof value === "number" ? (context?.source ?? String(value)) : value;

/** The parsed payload, or undefined when the body is not JSON. */
export function parseLossless(text: string): unknown {
  try {
    return JSON.parse(text, keepSource as (this: unknown, key: string, value: unknown) => unknown);
  } catch {
    return undefined;
  }
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A field as text: strings as they are, numbers (kept as source text) too; empty/absent/other → undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

export const obj = (v: unknown): Json | undefined => (isObject(v) ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
