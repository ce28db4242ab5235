/** Phone numbers to E.164. Vietnamese local numbers (0912…) become +84912…; other countries must be given with +. */
export function normalizePhone(input: string): string | undefined {
  const trimmed = input.trim();
  let digits = trimmed.replace(/[\s\-.()]/g, "");
  if (digits.startsWith("00")) digits = "+" + digits.slice(2);
  if (/^\+\d+$/.test(digits)) {
    if (digits.startsWith("+840")) digits = "+84" + digits.slice(4); // "+84 0912…" typed with the trunk 0
    return /^\+[1-9]\d{7,14}$/.test(digits) ? digits : undefined;
  }
  if (!/^\d+$/.test(digits)) return undefined;
  // Vietnam: 0 + 9 digits (mobile) or 0 + 10 digits (some landlines).
  if (/^0[1-9]\d{8,9}$/.test(digits)) return "+84" + digits.slice(1);
  if (/^84[1-9]\d{8,9}$/.test(digits)) return "+" + digits;
  return undefined;
}
