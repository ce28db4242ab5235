/** `merchants list`, `keys issue|list|revoke`: API keys from the shell (stored as SHA-256 hashes; shown once). */
import type { Command } from "../command.ts";
import { parseArgs, requiredFlag, UsageError } from "../command.ts";
import { op } from "../remote.ts";

const DB_NOTE = `Next to a running server on the embedded database (DATA_DIR) the command runs in that server (a loopback
call with the token from DATA_DIR's lock file): the server never pauses. With DATABASE_URL, or with no server
running, it opens the database itself.`;

function noPositionals(p: { positionals: string[] }) {
  if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
}

interface KeyOut {
  id: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export const merchantsList: Command = {
  path: ["merchants", "list"],
  summary: "List merchants (id, name, demo flag, active keys)",
  help: `Usage: npm run cli -- merchants list [--json]

Lists every merchant, oldest first: id, name, time zone, whether it is the demo shop, and how many active API keys
it has.

Options:
  --json    One JSON line: {"merchants": [{"id", "name", "timezone", "isDemo", "createdAt", "activeKeys"}]}

${DB_NOTE}`,
  async run(args) {
    const p = parseArgs(args, { json: false });
    noPositionals(p);
    const out = await op<{
      merchants: {
        id: string;
        name: string;
        timezone: string;
        isDemo: boolean;
        createdAt: string;
        activeKeys: number;
      }[];
    }>("merchants.list", {});
    const rows = out.merchants;
    if (p.flags.has("json")) {
      process.stdout.write(`${JSON.stringify(out)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write('No merchants yet. Create one: npm run cli -- merchant create --name "My shop"\n');
      return 0;
    }
    for (const m of rows)
      process.stdout.write(
        `${m.id}  ${m.name}${m.isDemo ? "  [demo]" : ""}  ${m.timezone}  keys: ${m.activeKeys}  created ${m.createdAt}\n`,
      );
    return 0;
  },
};

export const keysIssue: Command = {
  path: ["keys", "issue"],
  summary: "Issue a new API key for a merchant (printed once)",
  help: `Usage: npm run cli -- keys issue --merchant <id> [--json]

Creates another API key for the merchant and prints it once; only its SHA-256 hash is stored, so it cannot be shown
again. Existing keys keep working until revoked (rotation: issue, switch, then revoke the old one).

Options:
  --merchant <id>   The merchant (see \`merchants list\`)
  --json            One JSON line: {"merchantId", "apiKey", "prefix"}

${DB_NOTE}`,
  async run(args) {
    const p = parseArgs(args, { merchant: true, json: false });
    noPositionals(p);
    const merchantId = requiredFlag(p, "merchant");
    const { apiKey } = await op<{ apiKey: string }>("keys.issue", { merchantId });
    if (p.flags.has("json"))
      process.stdout.write(`${JSON.stringify({ merchantId, apiKey, prefix: apiKey.slice(0, 12) })}\n`);
    else process.stdout.write(`API key for ${merchantId} (shown once, store it now): ${apiKey}\n`);
    return 0;
  },
};

export const keysList: Command = {
  path: ["keys", "list"],
  summary: "List a merchant's API keys (prefixes and dates, never the key)",
  help: `Usage: npm run cli -- keys list --merchant <id> [--json]

Lists the merchant's keys: id, prefix (the first 12 characters), created and revoked times. The keys themselves are
not stored and never shown. Last use is not tracked (a write per request would cost more than it tells).

Options:
  --merchant <id>   The merchant
  --json            One JSON line: {"keys": [{"id", "prefix", "createdAt", "revokedAt"}]}

${DB_NOTE}`,
  async run(args) {
    const p = parseArgs(args, { merchant: true, json: false });
    noPositionals(p);
    const merchantId = requiredFlag(p, "merchant");
    const { keys: out } = await op<{ keys: KeyOut[] }>("keys.list", { merchantId });
    if (p.flags.has("json")) process.stdout.write(`${JSON.stringify({ keys: out })}\n`);
    else
      for (const k of out)
        process.stdout.write(
          `${k.id}  ${k.prefix}…  created ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : "active"}\n`,
        );
    return 0;
  },
};

export const keysRevoke: Command = {
  path: ["keys", "revoke"],
  summary: "Revoke one of a merchant's API keys (by id or prefix)",
  help: `Usage: npm run cli -- keys revoke --merchant <id> --key <key id or prefix> [--json]

Revokes one key, named by its id (key_…) or its prefix as \`keys list\` prints it (e.g. ck_live_AbCd). A running
server stops accepting it at once on the embedded database, and within a minute on Postgres (servers keep
known keys for a minute).

Options:
  --merchant <id>   The merchant
  --key <ref>       Key id or prefix (must match exactly one active key)
  --json            One JSON line: {"revoked": {"id", "prefix", "revokedAt"}}

${DB_NOTE}`,
  async run(args) {
    const p = parseArgs(args, { merchant: true, key: true, json: false });
    noPositionals(p);
    const merchantId = requiredFlag(p, "merchant");
    const ref = requiredFlag(p, "key").replace(/…$/, "");
    const { revoked: r } = await op<{ revoked: Omit<KeyOut, "createdAt"> }>("keys.revoke", { merchantId, key: ref });
    if (p.flags.has("json")) process.stdout.write(`${JSON.stringify({ revoked: r })}\n`);
    else process.stdout.write(`Revoked ${r.id} (${r.prefix}…)\n`);
    return 0;
  },
};
