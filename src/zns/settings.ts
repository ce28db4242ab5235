/**
 * A merchant's ZNS settings, kept under `merchants.settings.zns`: development mode (Zalo delivers only to the OA's
 * admins), the price per message (VND, for cost estimates) and an own daily quota. Quiet hours are the messaging
 * settings' (the delivery queue applies them to every channel).
 */
import { z } from "zod";
import { settingsKey } from "../merchants/settings-key.ts";

export const ZnsSettingsSchema = z.object({
  mode: z
    .enum(["development", "production"])
    .default("development")
    .describe("development: Zalo delivers only to the OA's admins (free testing); production: to customers"),
  pricePerMessage: z
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(300)
    .describe("VND per message, for cost estimates (Zalo's price list: about 300 VND for a short template)"),
  dailyQuota: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .nullable()
    .default(null)
    .describe(
      "At most this many ZNS messages per local day (the merchant's time zone); the rest wait for the next day. null = no own limit (Zalo's quota still applies)",
    ),
});

export type ZnsSettings = z.output<typeof ZnsSettingsSchema>;
export const znsSettings = settingsKey("zns", ZnsSettingsSchema);
