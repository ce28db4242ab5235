/**
 * The ZNS sender for a runtime: configured by ZNS_ACCESS_TOKEN (one OA per deployment, like the bot tokens) over
 * the platform `fetch`. At merge the lead swaps in the shared undici transport (src/channels/zalo-http.ts) and the OA
 * token store (refreshing tokens) for `fetch` and `accessToken`.
 */
import type { Config } from "../config.ts";
import type { ChannelSenders } from "../channels/channel.ts";
import { createZnsSender, type FetchLike } from "../channels/zns.ts";

const platformFetch: FetchLike = (url, init) => fetch(url, init);

export function withZnsSender(senders: ChannelSenders, config: Config, fetchImpl: FetchLike = platformFetch) {
  const token = config.ZNS_ACCESS_TOKEN;
  if (!token) return senders;
  return {
    ...senders,
    zns: createZnsSender({
      fetch: fetchImpl,
      accessToken: () => token,
      apiRoot: config.ZNS_API_ROOT,
      broadcastRate: config.ZNS_BROADCAST_RATE,
    }),
  };
}
