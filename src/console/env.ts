/** The console's Hono environment: the app's, plus the signed-in merchant and the page language. */
import type { AppEnv } from "../http/env.ts";
import type { ConsoleLang } from "./copy.ts";

export type ConsoleEnv = AppEnv & { Variables: { consoleMerchantId: string; lang: ConsoleLang } };
