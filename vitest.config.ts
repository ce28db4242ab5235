import { defineConfig } from "vitest/config";

/**
 * Projects run by `npm test` (all of them); `npm run test:fast` runs only the in-process ones (pglite, postgres).
 *  - pglite:           in-process tests; database-backed ones use an in-memory PGlite.
 *  - postgres:         the database-backed tests (`*.db.test.ts`) and the Postgres-only ones (`*.pg.test.ts`, e.g. real
 *                      concurrency) against the server at TEST_DATABASE_URL (default the local one), a fresh database
 *                      per file.
 *  - process:          suites that spawn processes (the server, the CLI, polling, Chromium) on PGlite / their own
 *                      data dir: slow to start, so kept out of the fast feedback loop.
 *  - process-postgres: process-spawning suites against Postgres (CLI next to Postgres, kill -9 crash tests).
 *  - workers:          the Workers build in real workerd (wrangler dev) against the Postgres server.
 * test/meta/vitest-projects.test.ts checks that every file spawning a process is listed in PROCESS below.
 */
const pgUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Test files that spawn a process (node server, CLI, Telegram polling, Chromium). */
export const PROCESS = [
  "test/server/**/*.test.ts",
  "test/cli/**/*.test.ts",
  "test/e2e/**/*.test.ts",
  "test/**/cli.test.ts",
  "test/**/cli.pg.test.ts",
  "test/**/crash.pg.test.ts",
  "test/bots/polling.test.ts",
  "test/bots/node-server.test.ts",
  "test/llm/node-wiring.test.ts",
];
/** The `*.db.test.ts` / `*.pg.test.ts` files a glob covers: the ones the Postgres projects run. */
const databaseVariants = (glob: string): string[] =>
  glob.endsWith(".db.test.ts") || glob.endsWith(".pg.test.ts")
    ? [glob]
    : [glob.replace(/\.test\.ts$/, ".db.test.ts"), glob.replace(/\.test\.ts$/, ".pg.test.ts")];
const PG_ONLY = "test/**/*.pg.test.ts";
const WORKERS = "test/workers/**";
const NODE_MODULES = "node_modules/**";
const pgliteEnv = { TEST_DB: "pglite" };
const postgresEnv = { TEST_DB: "postgres", TEST_DATABASE_URL: pgUrl };

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Vitest's default is one worker fewer than the cores: one file at a time on a 2-core CI machine, while most of a
    // file's time is spent waiting on Postgres, spawned servers or Chromium. Three files at once: 17 → 11 minutes;
    // four: 595–614 → 557–586 s of vitest on a slow day (2026-12-07 afternoon; that morning, faster, no difference).
    maxWorkers: 4,
    projects: [
      {
        test: {
          name: "pglite",
          include: ["test/**/*.test.ts"],
          exclude: [PG_ONLY, WORKERS, NODE_MODULES, ...PROCESS],
          env: pgliteEnv,
          // In-process files share a worker's module graph instead of re-importing the app per file (the imports
          // were half of this project's time: 244 → 120 s). Safe here: no test mocks modules, stubs globals or
          // sets env vars, and every file opens its own database with its own merchants (random ids), so the
          // per-process caches (programs, keys, member facts) never see another file's rows.
          isolate: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "postgres",
          include: ["test/**/*.db.test.ts", PG_ONLY],
          exclude: [WORKERS, NODE_MODULES, ...PROCESS],
          env: postgresEnv,
          isolate: false, // as pglite above
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "process",
          include: PROCESS,
          exclude: [PG_ONLY, WORKERS, NODE_MODULES],
          env: pgliteEnv,
          // Spawning servers and CLIs is slow on a loaded machine.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "process-postgres",
          include: PROCESS.flatMap(databaseVariants),
          exclude: [WORKERS, NODE_MODULES],
          env: postgresEnv,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          env: postgresEnv,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
