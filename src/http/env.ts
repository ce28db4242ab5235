import type { Db } from "../db/types.ts";
import type { Logger } from "../lib/log.ts";
import type { AppDeps } from "../deps.ts";

/** Hono context variables set by the app's middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    db: Db;
    deps: AppDeps;
    /** Set by the API-key middleware on /v1/*. */
    merchantId: string;
    /** Who is acting, for the audit log: `key:<api key id>` (set with merchantId). */
    actor: string;
    /**
     * Set by a handler that wrote its request's audit entry itself, inside its own transaction (order ingestion):
     * the audit middleware then writes none.
     */
    audited?: boolean;
  };
}
