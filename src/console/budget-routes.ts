/**
 * Console HTTP glue for the program budget: the report and the settings form (PUT /v1/budget/settings semantics,
 * through BudgetSettingsSchema, errors shown in place by path).
 */
import { Hono } from "hono";
import { BudgetSettingsSchema, type BudgetSettings } from "../budget/schemas.ts";
import { budgetReport, getBudgetSettings, localMonth, putBudgetSettings } from "../budget/service.ts";
import { budgetPage } from "./budget-page.ts";
import { BUDGET_COPY } from "./copy.ts";
import { type FormState, issueErrors } from "./kit.ts";
import type { ConsoleEnv } from "./env.ts";
import { type C, formStrings, tz } from "./request.ts";

export const budgetPages = new Hono<ConsoleEnv>();

const MONTHS = 12;
const str = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(v));

/** The settings as form values; `month.*` = the current month's own budgets. */
function formValues(s: BudgetSettings, month: string): Record<string, string> {
  const own = s.months.find((m) => m.month === month);
  return {
    enforcement: s.enforcement,
    "monthly.points": str(s.monthly.points),
    "monthly.spend": str(s.monthly.spend),
    "month.points": str(own?.points),
    "month.spend": str(own?.spend),
    "pointValue.amount": str(s.pointValue?.amount),
    "pointValue.points": str(s.pointValue?.points),
    llmPricePerMillionTokens: str(s.llmPricePerMillionTokens),
  };
}

/** Empty → null; a whole number → the number; anything else stays text (the schema says why it is wrong). */
const numOrNull = (v: string | undefined) => {
  const s = (v ?? "").trim();
  return s === "" ? null : /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
};

async function render(c: C, extra: FormState = {}, status = 200) {
  const db = c.get("db");
  const m = c.get("consoleMerchantId");
  const report = await budgetReport(db, m, c.get("deps").clock.now(), MONTHS);
  const values = extra.values ?? formValues(await getBudgetSettings(db, m), report.month);
  const timezone = await tz(c);
  return c.html(
    budgetPage(c.get("lang"), {
      report,
      values,
      timezone,
      ...(extra.errors ? { errors: extra.errors } : {}),
      ...(extra.flash ? { flash: extra.flash } : {}),
    }),
    status as 200,
  );
}

budgetPages.get("/budget", (c) =>
  render(c, c.req.query("ok") === "saved" ? { flash: BUDGET_COPY[c.get("lang")].saved } : {}),
);

budgetPages.post("/budget", async (c) => {
  const f = await formStrings(c);
  const db = c.get("db");
  const m = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  const current = await getBudgetSettings(db, m);
  const month = await localMonth(db, m, now);
  const own = { points: numOrNull(f["month.points"]), spend: numOrNull(f["month.spend"]) };
  const others = current.months.filter((x) => x.month !== month);
  const amount = numOrNull(f["pointValue.amount"]);
  const per = numOrNull(f["pointValue.points"]);
  const parsed = BudgetSettingsSchema.safeParse({
    enforcement: f.enforcement,
    monthly: { points: numOrNull(f["monthly.points"]), spend: numOrNull(f["monthly.spend"]) },
    months: own.points === null && own.spend === null ? others : [...others, { month, ...own }],
    pointValue: amount === null && per === null ? null : { amount, points: per },
    llmPricePerMillionTokens: numOrNull(f.llmPricePerMillionTokens) ?? 0,
  });
  if (!parsed.success) {
    // The current month is the last of `months`: its errors belong to the month.* fields.
    const at = others.length;
    const errors = Object.fromEntries(
      Object.entries(issueErrors(parsed.error.issues)).map(([k, msg]) => [
        k.replace(new RegExp(`^months\\.${at}\\.`), "month."),
        msg,
      ]),
    );
    return render(c, { values: f, errors }, 400);
  }
  await putBudgetSettings(db, m, parsed.data, now);
  return c.redirect("/console/budget?ok=saved", 303);
});
