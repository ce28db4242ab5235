/**
 * Number formatting for rule files: up to 10 significant digits, trailing zeros trimmed, plain
 * notation for the usual ranges (toPrecision switches to exponent form only below 1e-6 or for huge
 * values). Integers print as integers.
 */
export const SIGNIFICANT_DIGITS = 10;

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const s = x.toPrecision(SIGNIFICANT_DIGITS);
  const e = s.indexOf("e");
  if (e >= 0) return trimZeros(s.slice(0, e)) + s.slice(e);
  return trimZeros(s);
}

function trimZeros(s: string): string {
  if (!s.includes(".")) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--; // '0'
  if (s.charCodeAt(end - 1) === 46) end--; // '.'
  return s.slice(0, end);
}

/** The value as printed (what sorting by printed lift compares). */
export function roundForOutput(x: number): number {
  return Number(formatNumber(x));
}
