import { defineConfig } from "vitest/config";

/**
 * Two projects run by `npm test`:
 *  - pglite:   every test; database-backed tests use an in-memory PGlite.
 *  - postgres: the database-backed tests (`*.db.test.ts`) and the Postgres-only ones (`*.pg.test.ts`, e.g. real
 *              concurrency) against the server at TEST_DATABASE_URL (default the local one), a fresh database per file.
 */
const pgUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        test: {
          name: "pglite",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.pg.test.ts", "test/workers/**", "node_modules/**"],
          env: { TEST_DB: "pglite" },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The Workers build in real workerd (wrangler dev) against the Postgres server.
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          env: { TEST_DB: "postgres", TEST_DATABASE_URL: pgUrl },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "postgres",
          include: ["test/**/*.db.test.ts", "test/**/*.pg.test.ts"],
          exclude: ["test/workers/**", "node_modules/**"],
          env: { TEST_DB: "postgres", TEST_DATABASE_URL: pgUrl },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
