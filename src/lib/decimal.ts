/** Exact decimals for multipliers and rates: a number with ≤ 4 decimal places as an integer count of 1/10000. */
import { z } from "zod";

export const SCALE = 10_000n;

/** 1.15 → 11500n. Callers validate with `decimal4` first, so the value has ≤ 4 decimals. */
export function toScaled(value: number): bigint {
  return BigInt(Math.round(value * 10_000));
}

export function hasAtMost4Decimals(value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const scaled = value * 10_000;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, Math.abs(scaled));
}

/** A positive multiplier such as 1.5, with at most 4 decimal places. */
export const decimal4 = (min = 0, max = 1000) =>
  z.number().min(min).max(max).refine(hasAtMost4Decimals, { message: "must have at most 4 decimal places" });

/** floor(a / b) for bigints with b > 0, rounding toward −∞. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * A decimal string ("199000.00", "19.99", "-5") as an exact integer count of 10^-exponent (minor units), never
 * through a float: "19.99" with exponent 2 → 1999n. Digits beyond the exponent round half away from zero
 * ("199000.50" in VND, exponent 0 → 199001n). Not a plain decimal (exponent notation, empty) → undefined.
 */
export function parseDecimalString(value: string, exponent: number): bigint | undefined {
  const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(value.trim());
  if (!m) return undefined;
  const frac = m[3] ?? "";
  const kept = frac.slice(0, exponent).padEnd(exponent, "0");
  let n = BigInt(m[2]! + kept);
  if ((frac[exponent] ?? "0") >= "5") n += 1n;
  return m[1] === "-" ? -n : n;
}
