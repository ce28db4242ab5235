/** Every benchmark answers `--help` with its usage and options, and runs nothing (docs/benchmarks.md). */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.ts";

const run = promisify(execFile);
const bench = (args: string[]) =>
  run(process.execPath, ["--disable-warning=ExperimentalWarning", path.join(ROOT, "bench/run.ts"), ...args], {
    cwd: ROOT,
    // No database reachable: a bench that ignored --help and started would fail instead of passing.
    env: { ...process.env, BENCH_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", DATABASE_URL: "" },
  });

describe("npm run bench -- <name> --help", () => {
  it("lists the benchmarks, and each prints its usage and exits 0", async () => {
    const top = await bench(["--help"]);
    const names = /<([^>]+)>/.exec(top.stdout)?.[1]?.split("|") ?? [];
    expect(names).toContain("ledger");
    expect(names.length).toBeGreaterThanOrEqual(13);
    // Two at a time: each start loads the bench's imports (1–5 s on two cores).
    const pending = [...names];
    const check = async () => {
      for (let name = pending.shift(); name; name = pending.shift()) {
        const r = await bench([name, "--help"]);
        expect(r.stdout, name).toContain(`npm run bench -- ${name}`);
        expect(r.stdout, name).toMatch(/--[a-z]|no options/);
      }
    };
    await Promise.all([check(), check()]);
  }, 120_000);
});
