/** Hashing and constant-time comparison (Node ≥ 20 and Workers with nodejs_compat). */
import { createHash } from "node:crypto";

const encoder = new TextEncoder();

/**
 * Synchronous node:crypto (also in Workers under nodejs_compat): runs on every API request (key lookup) and order
 * (content hash), where Web Crypto's promise round trip through the thread pool cost ~0.4 ms of CPU per call.
 */
export async function sha256Hex(input: string): Promise<string> {
  return createHash("sha256").update(input).digest("hex");
}

/**
 * Compares two secrets without an early exit, so timing reveals nothing but whether the lengths differ.
 * Runs on every webhook request, so it stays a plain loop (no hashing).
 */
export async function secretEquals(given: string, expected: string): Promise<boolean> {
  const x = encoder.encode(given);
  const y = encoder.encode(expected);
  // Different lengths: still walk the expected secret so the time does not depend on where they differ.
  const other = x.length === y.length ? x : y;
  let diff = x.length ^ y.length;
  for (let i = 0; i < y.length; i++) diff |= other[i]! ^ y[i]!;
  return diff === 0;
}

/** Deterministic JSON (sorted keys) so that "JSON-equal" bodies hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}
