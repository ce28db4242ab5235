/** The budget check recorded on a send that the monthly budget guards (a journey pass, a survey's invitations). */
import { z } from "zod";

/** Its fields; `cost` says whose estimated cost it is (in currency minor units). */
export const budgetCheckFields = (cost: string) => ({
  at: z.string(),
  outcome: z.enum(["within", "warned", "skipped"]),
  detail: z.string().optional(),
  over: z.array(z.enum(["points", "spend"])).optional(),
  cost: z.number().int().optional().describe(cost),
});
