import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseBody } from "../http/validate.ts";
import { ProgramSchema } from "./config.ts";
import { getProgram, putProgram } from "./service.ts";

export const programRoutes = new Hono<AppEnv>();

doc({
  method: "put",
  path: "/v1/program",
  tag: "Program",
  summary: "Replace the loyalty program (fields left out take their defaults)",
  body: ProgramSchema,
  responses: { 200: { description: "The program now in force", schema: ProgramSchema } },
});
programRoutes.put("/program", async (c) => {
  const program = await parseBody(c, ProgramSchema);
  const deps = c.get("deps");
  return c.json(await putProgram(c.get("db"), c.get("merchantId"), program, deps.clock.now()));
});

doc({
  method: "get",
  path: "/v1/program",
  tag: "Program",
  summary: "The program in force (defaults when none was set)",
  responses: { 200: { description: "The program", schema: ProgramSchema } },
});
programRoutes.get("/program", async (c) => c.json(await getProgram(c.get("db"), c.get("merchantId"))));
