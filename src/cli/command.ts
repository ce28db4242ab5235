/** One CLI command. `run` returns the process exit code; it writes results to stdout and logs/progress to stderr. */
export interface Command {
  /** Words that select the command, e.g. ["orders", "import"]. */
  path: string[];
  summary: string;
  /** Full `--help` text (usage, options, examples). */
  help: string;
  run(args: string[]): Promise<number>;
}

/** Thrown for bad input; main prints `error: <message>` as one line and exits 2. */
export class UsageError extends Error {}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/** Minimal `--flag value` / `--flag=value` / `--bool` parser; `known` maps flag → takes a value. */
export function parseArgs(args: string[], known: Record<string, boolean>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!(name in known)) throw new UsageError(`unknown option --${name}`);
    if (known[name]) {
      const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    }
  }
  return { positionals, flags };
}

export function stringFlag(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

export function requiredFlag(p: ParsedArgs, name: string): string {
  const v = stringFlag(p, name);
  if (v === undefined || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

/** `<file.csv> --merchant <id> [--json]`: the arguments of the CSV import commands. */
export function csvImportArgs(args: string[]): { file: string; merchantId: string; json: boolean } {
  const p = parseArgs(args, { merchant: true, json: false });
  if (p.positionals.length !== 1) throw new UsageError("expected exactly one CSV file argument");
  return { file: p.positionals[0]!, merchantId: requiredFlag(p, "merchant"), json: p.flags.has("json") };
}

export function numberFlag(
  p: ParsedArgs,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
): number {
  const v = stringFlag(p, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || !check(n))
    throw new UsageError(`--${name} must be ${what} (got "${v}")`);
  return n;
}
