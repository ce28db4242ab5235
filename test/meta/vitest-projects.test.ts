/**
 * Guards the split into fast and process-spawning vitest projects: a suite that spawns a process must be listed, and
 * the fast ones (run without isolation: one module graph per worker) must not change what other files see.
 */
import { globSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROCESS } from "../../vitest.config.ts";

const root = path.resolve(import.meta.dirname, "../..");
/** What a test file imports when it starts a process (the server, the CLI, polling, Chromium). */
const SPAWNS = /from "(node:child_process|playwright-core|[./]+\/helpers\/(cli|node-server)\.ts)"/;

describe("vitest projects", () => {
  it("every test file that spawns a process is in the process projects, not the fast ones", () => {
    const all = globSync("test/**/*.test.ts", { cwd: root }).filter((f) => !f.startsWith("test/workers/"));
    const listed = new Set(globSync(PROCESS, { cwd: root }));
    const spawning = all.filter((f) => SPAWNS.test(readFileSync(path.join(root, f), "utf8")));
    expect(spawning.length).toBeGreaterThan(10);
    expect(
      spawning.filter((f) => !listed.has(f)),
      "add these to PROCESS in vitest.config.ts",
    ).toEqual([]);
  });

  it("in-process files (isolate: false) never mock modules, stub globals or env, or set process.env", () => {
    const listed = new Set(globSync(PROCESS, { cwd: root }));
    const inProcess = globSync("test/**/*.ts", { cwd: root }).filter(
      (f) => !f.startsWith("test/workers/") && !listed.has(f) && f !== "test/meta/vitest-projects.test.ts",
    );
    const leaky = /\bvi\.(mock|doMock|stubGlobal|stubEnv|useFakeTimers)\(|process\.env(\.\w+|\[[^\]]+\])\s*=[^=]/;
    expect(inProcess.length).toBeGreaterThan(100);
    expect(inProcess.filter((f) => leaky.test(readFileSync(path.join(root, f), "utf8")))).toEqual([]);
  });
});
