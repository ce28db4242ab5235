/**
 * Filling a ZNS template's parameters from a member's facts (pure). Values are formatted the Vietnamese way (ZNS
 * templates are approved as fixed Vietnamese text): points `1.234`, dates `20/11/2026`.
 */
import { firstName } from "../messages/names.ts";
import { formatDate, formatNumber } from "../messages/render.ts";
import type { ZnsParamSource } from "./tables.ts";

export interface ZnsFacts {
  name: string | null;
  points: number;
  tier: string | null;
  /** E.164 (+84…); rendered as the local 0… form. */
  phone: string | null;
  merchantName: string;
  /** The campaign's / step's offer (a shared code and its expiry), when it has one. */
  offerCode?: string | null | undefined;
  offerExpiry?: string | null | undefined;
  timeZone?: string;
}

/** Sources that need a value from the campaign or journey step (else the template cannot be rendered). */
export const OFFER_SOURCES = ["offerCode", "offerExpiry"] as const;

export function renderZnsParam(p: ZnsParamSource, f: ZnsFacts): string {
  switch (p.source) {
    case "const":
      return p.value;
    case "firstName":
      return firstName(f.name) ?? "bạn";
    case "name":
      return f.name?.trim() || "bạn";
    case "points":
      return formatNumber(f.points, "vi");
    case "tier":
      return f.tier ?? "";
    case "phone":
      return f.phone ? f.phone.replace(/^\+84/, "0") : "";
    case "merchantName":
      return f.merchantName;
    case "offerCode":
      return f.offerCode ?? "";
    case "offerExpiry":
      return f.offerExpiry ? formatDate(new Date(`${f.offerExpiry}T12:00:00Z`), "vi", "UTC") : "";
  }
}

export function renderZnsData(params: Record<string, ZnsParamSource>, f: ZnsFacts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, p] of Object.entries(params)) out[k] = renderZnsParam(p, f);
  return out;
}

/** Which offer facts a template needs (for validating a campaign's `znsOffer`). */
export function offerSourcesUsed(params: Record<string, ZnsParamSource>): string[] {
  return [...new Set(Object.values(params).map((p) => p.source))].filter((s) =>
    (OFFER_SOURCES as readonly string[]).includes(s),
  );
}
