/** Raw-SQL helpers: they live in `src/db/rows.ts` (re-exported here for older imports in tests and benchmarks). */
export { execCount, num, queryRows, toDate } from "../db/rows.ts";
