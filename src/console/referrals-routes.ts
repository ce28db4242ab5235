/** Console HTTP glue for the referrals page: the referral services behind /v1/referrals/*. */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { merchantTimezone } from "../merchants/service.ts";
import { ReferralSettingsSchema } from "../referrals/schemas.ts";
import {
  getReferralSettings,
  leaderboard,
  listReferrals,
  putReferralSettings,
  referralKpis,
} from "../referrals/service.ts";
import { REFERRALS_COPY } from "./copy.ts";
import type { ConsoleEnv } from "./env.ts";
import { type FormState, issueErrors } from "./kit.ts";
import { referralsPage } from "./referrals-page.ts";

export const referralPages = new Hono<ConsoleEnv>();

const Days = z.coerce.number().int().min(1).max(366).catch(30);
const NUMBERS = [
  "welcomePoints",
  "referrerPoints",
  "minOrderAmount",
  "holdDays",
  "capPerReferrer",
  "capPeriodDays",
  "orderWindowDays",
] as const;

async function render(c: Context<ConsoleEnv>, extra: FormState = {}, status: 200 | 400 = 200) {
  const db = c.get("db");
  const m = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  const days = Days.parse(c.req.query("days") ?? "30");
  const [kpis, leaders, recent, settings] = await Promise.all([
    referralKpis(db, m, now, days),
    leaderboard(db, m, now, days),
    listReferrals(db, m, { limit: 20 }),
    getReferralSettings(db, m),
  ]);
  const page = referralsPage(c.get("lang"), {
    days,
    kpis,
    leaders,
    recent: recent.referrals,
    settings,
    timezone: (await merchantTimezone(db, m)) ?? "Asia/Ho_Chi_Minh",
    ...extra,
  });
  return c.html(page, status);
}

referralPages.get("/referrals", (c) =>
  render(c, c.req.query("ok") === "saved" ? { flash: REFERRALS_COPY[c.get("lang")].saved } : {}),
);

/** PUT /v1/referrals/settings semantics; a refused form comes back with the errors in place. */
referralPages.post("/referrals/settings", async (c) => {
  const form = await c.req.parseBody();
  const values: Record<string, string> = { enabled: form.enabled === "on" ? "on" : "" };
  const input: Record<string, unknown> = { enabled: form.enabled === "on" };
  for (const name of NUMBERS) {
    const v = typeof form[name] === "string" ? form[name].trim() : "";
    values[name] = v;
    // An empty hold means "the program's pending window"; any other empty field takes its default.
    if (v === "") {
      if (name === "holdDays") input[name] = null;
      continue;
    }
    input[name] = /^-?\d+$/.test(v) ? Number(v) : v;
  }
  const parsed = ReferralSettingsSchema.safeParse(input);
  if (!parsed.success) return render(c, { values, errors: issueErrors(parsed.error.issues) }, 400);
  await putReferralSettings(c.get("db"), c.get("consoleMerchantId"), parsed.data, c.get("deps").clock.now());
  return c.redirect("/console/referrals?ok=saved", 303);
});
