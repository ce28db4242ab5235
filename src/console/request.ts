/**
 * What the console's route files read from a request: the signed-in merchant's db, id and clock, the merchant's time
 * zone, and a posted form's text fields (files dropped). One place, so that every page reads them the same way.
 */
import type { Context } from "hono";
import { merchantTimezone } from "../merchants/service.ts";
import type { ConsoleEnv } from "./env.ts";

export type C = Context<ConsoleEnv>;

/** The zone a merchant without one is shown in. */
export const DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh";

export const ctx = (c: C) => ({ db: c.get("db"), m: c.get("consoleMerchantId"), now: c.get("deps").clock.now() });

export const tz = async (c: C) => (await merchantTimezone(c.get("db"), c.get("consoleMerchantId"))) ?? DEFAULT_TIMEZONE;

/** The posted form's string fields. */
export const formStrings = async (c: Context): Promise<Record<string, string>> =>
  Object.fromEntries(
    Object.entries(await c.req.parseBody()).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
