/**
 * A delivery worker as its own process, for the kill -9 test: Postgres at DATABASE_URL, the fake Telegram Bot API
 * at API_ROOT/TOKEN, paced at RATE/s, leases of LEASE_MS. Prints "ready" once started.
 */
import { openPostgres } from "../../src/db/postgres.ts";
import { startDeliveryWorker } from "../../src/campaigns/worker.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { httpTelegramSender } from "./helpers.ts";

const env = process.env;
const database = openPostgres(env.DATABASE_URL!, { max: 5 });
const worker = startDeliveryWorker({
  db: database.db,
  senders: { telegram: httpTelegramSender(env.API_ROOT!, env.TOKEN!, Number(env.RATE ?? 100)) },
  clock: systemClock,
  leaseMs: Number(env.LEASE_MS ?? 2000),
  pollMs: 100,
  sweepMs: 300,
  backoffMs: () => 100,
});
process.stdout.write(`ready ${worker.engine.workerId}\n`);
process.on("SIGTERM", () => {
  void worker
    .stop()
    .then(() => database.close())
    .then(() => process.exit(0));
});
