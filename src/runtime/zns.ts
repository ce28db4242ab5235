/**
 * The ZNS sender for a runtime. ZNS sends with the Zalo OA's access token: when the OA channel is configured its
 * token store (refreshed under a database lock, so the single-use refresh token is spent once) is passed as
 * `oaAccessToken`; otherwise a static ZNS_ACCESS_TOKEN (one OA per deployment). Requests go through the platform
 * `fetch` (Node's built-in undici; the pooled Zalo transport is not used for ZNS yet).
 */
import type { Config } from "../config.ts";
import type { ChannelSenders } from "../channels/channel.ts";
import { createZnsSender, type FetchLike } from "../channels/zns.ts";

const platformFetch: FetchLike = (url, init) => fetch(url, init);

export function withZnsSender(
  senders: ChannelSenders,
  config: Config,
  oaAccessToken?: () => Promise<string>,
  fetchImpl: FetchLike = platformFetch,
) {
  const token = config.ZNS_ACCESS_TOKEN;
  if (!token && !oaAccessToken) return senders;
  return {
    ...senders,
    zns: createZnsSender({
      fetch: fetchImpl,
      accessToken: () => (oaAccessToken ? oaAccessToken() : token),
      apiRoot: config.ZNS_API_ROOT,
      broadcastRate: config.ZNS_BROADCAST_RATE,
    }),
  };
}
