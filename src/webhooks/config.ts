/** The outbound-event settings read from Config. */
import type { Config } from "../config.ts";

/** Private/loopback endpoint URLs: only when WEBHOOK_ALLOW_PRIVATE_URLS is set, and never with NODE_ENV=production. */
export function allowPrivateUrls(config: Config): boolean {
  return config.WEBHOOK_ALLOW_PRIVATE_URLS && config.NODE_ENV !== "production";
}
