/** Intl formatting in a merchant's time zone, written once (quiet hours, dates in chat replies…). */

/** The zone used when a merchant's stored zone is not one Intl knows. */
export const FALLBACK_TIME_ZONE = "Asia/Ho_Chi_Minh";

/** An en-US formatter (24 h clock) in `timeZone`, or in the fallback zone when Intl rejects it. */
export function zonedFormatter(timeZone: string, parts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = { ...parts, hourCycle: "h23" };
  try {
    return new Intl.DateTimeFormat("en-US", { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat("en-US", { ...options, timeZone: FALLBACK_TIME_ZONE });
  }
}
