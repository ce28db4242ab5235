/**
 * The OA's access token, refreshed with Zalo's SINGLE-USE refresh tokens: a refresh spends the stored refresh token
 * and returns a new pair, so two processes (or Workers isolates) refreshing at once would lock the OA out. The
 * refresh therefore runs inside a transaction holding the token row (`SELECT … FOR UPDATE`): whoever waits on the
 * lock finds the new pair already there and uses it. The new pair is committed before the new access token is used.
 * Tokens are sealed at rest with SECRETS_KEY. Also used by ZNS (same OA access token).
 */
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { parseJson, type ZaloHttp, ZaloTransportError } from "../channels/zalo-http.ts";
import { zaloOaTokens } from "./tables.ts";

/** Refresh this long before `expires_in` runs out, so a send rarely meets -216. */
const EARLY_REFRESH_MS = 5 * 60_000;

export interface OaTokenStoreOptions {
  db: Db | (() => Db);
  oaId: string;
  appId: string;
  /** The app's secret key (header `secret_key` of the token endpoint). Never logged. */
  appSecret: string;
  /** Default https://oauth.zaloapp.com */
  oauthRoot: string;
  http: ZaloHttp;
  clock: Clock;
  box: SecretBox;
  logger: Logger;
  /** The configured first pair; written once when the OA has no row yet. */
  initial?: { accessToken: string; refreshToken: string } | undefined;
  timeoutMs?: number;
}

/** The token endpoint refused the refresh (e.g. the refresh token was already used or expired): re-authorise. */
export class OaTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OaTokenError";
  }
}

// expires_in arrives as a string on the real endpoint ◐; numbers accepted.
const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.union([z.string().regex(/^\d+$/), z.number()]).transform(Number),
});

export class OaTokenStore {
  readonly #o: OaTokenStoreOptions;
  #cached: { token: string; expiresAt: Date | null } | undefined;
  /** In-process single flight: parallel sends of one isolate share one trip to the lock. */
  #refreshing: Promise<string> | undefined;

  constructor(opts: OaTokenStoreOptions) {
    this.#o = opts;
  }

  get oaId(): string {
    return this.#o.oaId;
  }

  #db(): Db {
    return typeof this.#o.db === "function" ? this.#o.db() : this.#o.db;
  }

  /** A usable access token: the cached one, else the stored one (refreshed first when it is about to expire). */
  async accessToken(): Promise<string> {
    const now = this.#o.clock.now().getTime();
    const fresh = (t: { expiresAt: Date | null }) => !t.expiresAt || t.expiresAt.getTime() - EARLY_REFRESH_MS > now;
    if (this.#cached && fresh(this.#cached)) return this.#cached.token;
    const row = await this.#load();
    const token = await this.#o.box.open(row.accessToken);
    this.#cached = { token, expiresAt: row.accessExpiresAt };
    return fresh(this.#cached) ? token : this.refresh(token);
  }

  /**
   * Replaces `stale` (the token that just failed with -216, or is about to expire). Returns the token to use: a
   * newer one another holder stored meanwhile, else a freshly refreshed one.
   */
  refresh(stale: string): Promise<string> {
    this.#refreshing ??= this.#refresh(stale).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(stale: string): Promise<string> {
    await this.#load();
    const { box, oaId } = this.#o;
    const result = await this.#db().transaction(async (tx) => {
      const [row] = await tx.select().from(zaloOaTokens).where(eq(zaloOaTokens.oaId, oaId)).for("update");
      if (!row) throw new OaTokenError("no token row");
      const current = await box.open(row.accessToken);
      if (current !== stale) return { token: current, expiresAt: row.accessExpiresAt };
      const pair = await this.#callTokenEndpoint(await box.open(row.refreshToken));
      const expiresAt = new Date(this.#o.clock.now().getTime() + pair.expires_in * 1000);
      // Persisted (and committed with the transaction) before the new access token is used anywhere.
      await tx
        .update(zaloOaTokens)
        .set({
          accessToken: await box.seal(pair.access_token),
          refreshToken: await box.seal(pair.refresh_token),
          accessExpiresAt: expiresAt,
          refreshes: sql`${zaloOaTokens.refreshes} + 1`,
          updatedAt: this.#o.clock.now(),
        })
        .where(eq(zaloOaTokens.oaId, oaId));
      this.#o.logger.info("zalo oa access token refreshed", { oaId, expiresAt: expiresAt.toISOString() });
      return { token: pair.access_token, expiresAt };
    });
    this.#cached = result;
    return result.token;
  }

  async #callTokenEndpoint(refreshToken: string): Promise<z.output<typeof TokenResponseSchema>> {
    const url = `${this.#o.oauthRoot.replace(/\/+$/, "")}/v4/oa/access_token`;
    let text: string;
    try {
      const res = await this.#o.http.postForm(
        url,
        { refresh_token: refreshToken, app_id: this.#o.appId, grant_type: "refresh_token" },
        { headers: { secret_key: this.#o.appSecret }, timeoutMs: this.#o.timeoutMs ?? 15_000 },
      );
      text = res.text;
    } catch (err) {
      // The refresh token may or may not have been spent: nothing to store; the next -216 tries again.
      throw new OaTokenError(`token endpoint unreachable: ${err instanceof ZaloTransportError ? err.kind : "error"}`);
    }
    const json = parseJson(text);
    const parsed = TokenResponseSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    const body = (json ?? {}) as { error?: unknown; error_name?: unknown; error_description?: unknown };
    this.#o.logger.error("zalo oa token refresh refused: re-authorise the OA", {
      oaId: this.#o.oaId,
      error: String(body.error ?? "unexpected response"),
      name: String(body.error_name ?? body.error_description ?? ""),
    });
    throw new OaTokenError(`token refresh refused (${String(body.error ?? "unexpected response")})`);
  }

  /** The OA's row, seeded from the configured pair the first time. */
  async #load(): Promise<typeof zaloOaTokens.$inferSelect> {
    const db = this.#db();
    const read = async () => (await db.select().from(zaloOaTokens).where(eq(zaloOaTokens.oaId, this.#o.oaId)))[0];
    const row = await read();
    if (row) return row;
    const init = this.#o.initial;
    if (!init) throw new OaTokenError("no access token: set ZALO_OA_ACCESS_TOKEN and ZALO_OA_REFRESH_TOKEN");
    await db
      .insert(zaloOaTokens)
      .values({
        oaId: this.#o.oaId,
        accessToken: await this.#o.box.seal(init.accessToken),
        refreshToken: await this.#o.box.seal(init.refreshToken),
        accessExpiresAt: null,
      })
      .onConflictDoNothing();
    const seeded = await read();
    if (!seeded) throw new OaTokenError("token row vanished");
    return seeded;
  }
}
