import { readFileSync, writeFileSync } from "node:fs";
import { openPglite } from "/work/wt/sql/src/db/pglite.ts";
import { migrateDatabase } from "/work/wt/sql/src/db/migrate.ts";
const d = await openPglite();
await migrateDatabase(d);
await d.client.exec(readFileSync(process.argv[2]!, "utf8"));
const r = await d.client.query<{ proname: string; def: string }>("select p.proname, pg_get_functiondef(p.oid) as def from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.proname like 'cl\\_%' order by 1");
for (const row of r.rows) writeFileSync(`migrations/functions/${row.proname}.sql`, row.def.trimEnd() + ";\n");
await d.close();
