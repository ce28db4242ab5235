import type { Command } from "../command.ts";
import { parseArgs, requiredFlag, stringFlag, UsageError } from "../command.ts";
import { op } from "../remote.ts";

export const merchantCreate: Command = {
  path: ["merchant", "create"],
  summary: "Create a merchant and print its API key (shown once)",
  help: `Usage: npm run cli -- merchant create --name <name> [--timezone <IANA zone>] [--json]

Creates a merchant and its first API key. The key is printed once and stored only as a hash.
Next to a running server on the embedded database (DATA_DIR) the server creates it (a loopback call with the token
from DATA_DIR's lock file), so the server never pauses.

Options:
  --name <name>        Shop name (required)
  --timezone <zone>    Time zone for calendar rules (default Asia/Ho_Chi_Minh)
  --json               Print exactly one JSON line: {"merchantId": "...", "apiKey": "..."}

Example:
  npm run cli -- merchant create --name "Cà Phê Phố" --json`,
  async run(args) {
    const p = parseArgs(args, { name: true, timezone: true, json: false });
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const name = requiredFlag(p, "name").trim();
    if (!name) throw new UsageError("--name must not be empty");
    const timezone = stringFlag(p, "timezone");
    if (timezone) {
      try {
        new Intl.DateTimeFormat("en", { timeZone: timezone });
      } catch {
        throw new UsageError(`unknown time zone "${timezone}"`);
      }
    }
    // Next to a running server on DATA_DIR, the server creates it (its database is never borrowed).
    const r = await op<{ merchantId: string; apiKey: string }>("merchants.create", {
      name,
      ...(timezone ? { timezone } : {}),
    });
    if (p.flags.has("json"))
      process.stdout.write(JSON.stringify({ merchantId: r.merchantId, apiKey: r.apiKey }) + "\n");
    else process.stdout.write(`Merchant ${r.merchantId} created.\nAPI key (shown once, store it now): ${r.apiKey}\n`);
    return 0;
  },
};
