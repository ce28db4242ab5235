/**
 * The CLI itself (src/cli/main.ts starts it): finds the command, prints help, maps errors to exit codes. Results go
 * to stdout; logs and progress to stderr. Exit codes: 0 success, 1 the work ran but something was rejected/failed,
 * 2 bad usage or input.
 */
import { commands } from "./commands/index.ts";
import { UsageError, type Command } from "./command.ts";
import { loadDotEnv } from "../env-file.ts";

function usage(): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  return [
    "Usage: npm run cli -- <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    "Every command accepts --help. DATABASE_URL selects a Postgres server; otherwise the embedded database in DATA_DIR (default ./.data) is used.",
  ].join("\n");
}

function find(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(usage() + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  const found = find(argv);
  if (!found) {
    // A group name alone (e.g. `orders --help`) lists its sub-commands.
    const group = commands.filter((c) => c.path[0] === argv[0]);
    if (group.length > 0 && (argv.length === 1 || argv[1] === "--help" || argv[1] === "-h")) {
      process.stdout.write(group.map((c) => `  ${c.path.join(" ")}  ${c.summary}`).join("\n") + "\n");
      return argv.length === 1 ? 2 : 0;
    }
    process.stderr.write(`error: unknown command "${argv.join(" ")}" (see --help)\n`);
    return 2;
  }
  if (found.rest.includes("--help") || found.rest.includes("-h")) {
    process.stdout.write(found.command.help.trimEnd() + "\n");
    return 0;
  }
  try {
    return await found.command.run(found.rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message.split("\n")[0]}\n`);
    if (process.env.DEBUG) console.error(err);
    return 1;
  }
}

loadDotEnv();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
