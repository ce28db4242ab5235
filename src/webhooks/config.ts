/** The outbound-event settings read from Config. */
import type { Config } from "../config.ts";

/**
 * Private/loopback endpoint URLs: never with NODE_ENV=production (a tenant must not reach the host's network);
 * otherwise as WEBHOOK_ALLOW_PRIVATE_URLS says, allowed when it is unset (development, a receiver on localhost).
 */
export function allowPrivateUrls(config: Config): boolean {
  return config.NODE_ENV !== "production" && (config.WEBHOOK_ALLOW_PRIVATE_URLS ?? true);
}
