/**
 * Group commit for the order statement on a Postgres server (postgres.js). At most MAX_IN_FLIGHT order statements
 * run at a time per client; orders arriving meanwhile queue and go out together as one `cl_place_orders` statement
 * (migrations/functions/cl_place_orders.sql): one round trip, one commit, one WAL flush for all of them. A batch is
 * all or nothing; if it fails, its orders run again one by one, so each order is still atomic and fails only itself.
 * Under light load nothing waits (a lone order goes out at once, alone); under heavy load the per-order cost of a
 * commit and a round trip is shared. Responses are sent only after the commit.
 */

/** postgres.js, as far as this file needs it. */
export interface PgClient {
  unsafe(query: string, params: unknown[], opts: { prepare: boolean }): Promise<{ r: string }[]>;
}

/**
 * Statements in flight per client: enough to keep two cores busy while others wait on their commit's WAL flush,
 * few enough that orders under load still gather into batches.
 */
const MAX_IN_FLIGHT = 3;
const MAX_BATCH = 50;

interface Waiting {
  json: string;
  /** Batches take member locks in this order, so two batches never wait on each other in a cycle. */
  memberId: string;
  resolve(outcome: unknown): void;
  reject(err: unknown): void;
}

class OrderBatcher {
  private readonly client: PgClient;
  private inFlight = 0;
  private queue: Waiting[] = [];

  constructor(client: PgClient) {
    this.client = client;
  }

  submit(json: string, memberId: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ json, memberId, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.one(batch[0]!);
    batch.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    let outcomes: unknown[];
    try {
      const rows = await this.client.unsafe(
        "select cl_place_orders($1::text::jsonb)::text as r",
        [`[${batch.map((w) => w.json).join(",")}]`],
        { prepare: true },
      );
      outcomes = JSON.parse(rows[0]!.r) as unknown[];
    } catch {
      // The batch failed (a deadlock, one order's text Postgres cannot take as jsonb, a dropped connection): nothing
      // of it was committed; each order runs alone, so one bad order fails only itself.
      for (const w of batch) await this.one(w);
      return;
    }
    batch.forEach((w, i) => w.resolve(outcomes[i]));
  }

  private async one(w: Waiting): Promise<void> {
    try {
      const rows = await this.client.unsafe("select cl_place_order($1::text::jsonb)::text as r", [w.json], {
        prepare: true,
      });
      w.resolve(JSON.parse(rows[0]!.r));
    } catch (err) {
      w.reject(err);
    }
  }
}

const batchers = new WeakMap<PgClient, OrderBatcher>();

/** Runs one `cl_place_order` call (its parameter as JSON text) through the client's batcher; returns its outcome. */
export function placeBatched(client: PgClient, json: string, memberId: string | null): Promise<unknown> {
  let b = batchers.get(client);
  if (!b) batchers.set(client, (b = new OrderBatcher(client)));
  return b.submit(json, memberId ?? "");
}
