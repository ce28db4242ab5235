/**
 * A merchant's promotional messaging settings (frequency cap, quiet hours, attribution window), kept under
 * `merchants.settings.messaging`. Quiet hours are off until configured; the cap defaults to 2 a day, 5 a week.
 */
import { z } from "zod";
import { settingsKey } from "../merchants/settings-key.ts";
import type { QuietHours } from "./tables.ts";
import { zonedFormatter } from "../lib/time-zone.ts";

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time "HH:MM" (24 h)');

export const QuietHoursSchema = z
  .object({ start: hhmm, end: hhmm })
  .refine((q) => q.start !== q.end, { message: "start and end must differ", path: ["end"] })
  .describe(
    "Local times in the merchant's time zone; nothing promotional goes out from start until end (may wrap midnight, e.g. 21:00–08:00)",
  );

export const FrequencyCapSchema = z
  .object({
    perDay: z.number().int().min(0).max(100).default(2).describe("Promotional pushes per member in any 24 hours"),
    perWeek: z.number().int().min(0).max(700).default(5).describe("Promotional pushes per member in any 7 × 24 hours"),
  })
  .describe("Counts campaign messages, journey steps and proactive offers alike; null turns the cap off");

/** Days after a delivery in which an order counts as converted (settings, campaigns and journeys). */
export const AttributionDaysSchema = z.number().int().min(1).max(90);

export const MessagingSettingsSchema = z.object({
  frequencyCap: FrequencyCapSchema.nullable().default({ perDay: 2, perWeek: 5 }),
  quietHours: QuietHoursSchema.nullable().default(null),
  attributionDays: AttributionDaysSchema.default(7).describe(
    "Days after delivery in which an order counts as a conversion",
  ),
});

export type MessagingSettings = z.output<typeof MessagingSettingsSchema>;
export const messagingSettings = settingsKey("messaging", MessagingSettingsSchema);
export const parseMessagingSettings = messagingSettings.parse;
/** With the merchant's time zone (quiet hours are local). */
export const getMessagingSettings = messagingSettings.getWithZone;
export const putMessagingSettings = messagingSettings.put;

function localParts(now: Date, timeZone: string): { h: number; m: number; s: number } {
  const fmt = zonedFormatter(timeZone, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(now)) if (part.type !== "literal") p[part.type] = Number(part.value);
  return { h: p.hour ?? 0, m: p.minute ?? 0, s: p.second ?? 0 };
}

const toMin = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

/**
 * When quiet hours are in force at `now`, the instant they end; otherwise null. Pure; uses the offset at `now`
 * (a DST change inside a quiet period shifts its end by the change — Vietnam has none).
 */
export function quietHoursEnd(now: Date, timeZone: string, q: QuietHours | null | undefined): Date | null {
  if (!q) return null;
  const { h, m, s } = localParts(now, timeZone);
  const t = h * 3600 + m * 60 + s;
  const start = toMin(q.start) * 60;
  const end = toMin(q.end) * 60;
  const inside = start < end ? t >= start && t < end : t >= start || t < end;
  if (!inside) return null;
  const delta = (end - t + 86_400) % 86_400;
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + delta * 1000);
}
