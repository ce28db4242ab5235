import { apiGroup, ok } from "../http/route.ts";
import { ProgramSchema } from "./config.ts";
import { getProgram, putProgram } from "./service.ts";

const api = apiGroup("Program");

api.put(
  "/v1/program",
  {
    summary: "Replace the loyalty program (fields left out take their defaults)",
    body: ProgramSchema,
    responses: ok("The program now in force", ProgramSchema),
  },
  async ({ db, merchantId, now, body: program }) => putProgram(db, merchantId, program, now),
);

api.get(
  "/v1/program",
  {
    summary: "The program in force (defaults when none was set)",
    responses: ok("The program", ProgramSchema),
  },
  ({ db, merchantId }) => getProgram(db, merchantId),
);

export const programRoutes = api.app;
