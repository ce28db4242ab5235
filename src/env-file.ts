/**
 * Node entries (server, CLI) read `./.env` when it exists (Node's own `process.loadEnvFile`, no dependency).
 * Variables already set in the environment win over the file. `ENV_FILE` points at another file.
 */
import { existsSync } from "node:fs";

export function loadDotEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.ENV_FILE ?? ".env";
  if (!existsSync(path)) {
    if (env.ENV_FILE) throw new Error(`ENV_FILE ${path} does not exist`);
    return undefined;
  }
  process.loadEnvFile(path);
  return path;
}
