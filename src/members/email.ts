/** Member emails: stored trimmed and lower-cased, so a plain equality (and the unique index) is case-insensitive. */
import { z } from "zod";

export const normalizeEmail = (input: string): string => input.trim().toLowerCase();

/** An address a shop platform sent: normalised, or undefined when it is not a usable address. */
export function platformEmail(input: string | undefined): string | undefined {
  if (!input) return undefined;
  const r = EmailInput.safeParse(input);
  return r.success ? r.data : undefined;
}

/** 254 characters: the longest address SMTP can carry (RFC 5321 path limit). */
export const EmailInput = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: "not a valid email address" }))
  .transform(normalizeEmail)
  .describe("Email address; stored lower-cased, unique within the merchant");
