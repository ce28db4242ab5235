/** What the app factory needs, injected by each runtime entry (Node, Workers, tests). */
import type { Config } from "./config.ts";
import type { Db } from "./db/types.ts";
import type { Clock } from "./lib/clock.ts";
import type { Logger } from "./lib/log.ts";
import type { ChannelSenders } from "./channels/channel.ts";
import type { OrderHooks } from "./orders/service.ts";
import type { AssetReader } from "./site/assets.ts";
import type { SendGuard } from "./campaigns/guard.ts";

export interface AppDeps {
  config: Config;
  /** The database for this process (Node) — or a factory per request (Workers: one postgres.js client per request). */
  db: Db | (() => Db);
  clock: Clock;
  logger: Logger;
  /** Outgoing chat channels (implemented in bots/, injected by the runtime entry). */
  senders?: ChannelSenders;
  /** Order/refund hooks (offers' code redemption and bonus reversal), injected by the runtime (src/runtime). */
  orderHooks?: OrderHooks;
  /** The program budget's check before a campaign starts or a journey is activated (src/budget/guard.ts). */
  sendGuard?: SendGuard;
  /** The API reference's assets (Node: read from node_modules); Workers serve them as Static Assets instead. */
  assets?: AssetReader;
}

export function resolveDb(deps: AppDeps): Db {
  return typeof deps.db === "function" ? deps.db() : deps.db;
}
