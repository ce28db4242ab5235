/**
 * Sharing one DATA_DIR between the server and the CLI. PGlite cannot be opened by two processes, so the server
 * *lends* the directory: a borrower (the CLI) holds a loopback HTTP request open; the server waits for its running
 * queries, closes PGlite and answers "lent"; requests arriving meanwhile wait. When the borrower closes its request
 * (done, or killed), the server reopens PGlite and carries on. The port and a random token are in the lock file
 * (mode 0600), so only a local process that can read DATA_DIR can borrow.
 */
import { createServer, request } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { PGlite, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";
import type { DataDirLock } from "./data-dir-lock.ts";

/** A PGlite stand-in for Drizzle: forwards to the open instance and can close it for a while. */
export class LendablePglite {
  readonly dataDir: string;
  #client: PGlite | undefined;
  #gate: Promise<void> | undefined;
  #active = 0;
  #idle: (() => void) | undefined;
  /** One loan at a time: a second borrower waits for the first to give the directory back. */
  #loans: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  static async create(dataDir: string): Promise<LendablePglite> {
    const p = new LendablePglite(dataDir);
    p.#client = await PGlite.create({ dataDir });
    return p;
  }

  query<T>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#run((c) => c.query<T>(query, params, options));
  }

  exec(query: string, options?: QueryOptions): Promise<Array<Results>> {
    return this.#run((c) => c.exec(query, options));
  }

  transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#run((c) => c.transaction(callback));
  }

  close(): Promise<void> {
    return this.#run(async (c) => {
      await c.close();
      this.#client = undefined;
    });
  }

  async #run<T>(fn: (c: PGlite) => Promise<T>): Promise<T> {
    while (this.#gate) await this.#gate;
    if (!this.#client) throw new Error("database closed");
    this.#active++;
    try {
      return await fn(this.#client);
    } finally {
      if (--this.#active === 0) this.#idle?.();
    }
  }

  /** Closes PGlite once nothing is running; resolves with the function that reopens it. */
  lend(): Promise<() => Promise<void>> {
    const previous = this.#loans;
    let finished!: () => void;
    this.#loans = new Promise<void>((r) => (finished = r));
    const loan = previous.then(async () => {
      let open!: () => void;
      this.#gate = new Promise((r) => (open = r));
      if (this.#active > 0) await new Promise<void>((r) => (this.#idle = r));
      this.#idle = undefined;
      try {
        await this.#client?.close();
        this.#client = undefined;
      } catch (err) {
        this.#gate = undefined;
        open();
        throw err;
      }
      let returned: Promise<void> | undefined;
      return () =>
        (returned ??= (async () => {
          try {
            this.#client = await PGlite.create({ dataDir: this.dataDir });
          } finally {
            // Reopening failed → queries fail with "database closed" instead of waiting forever.
            this.#gate = undefined;
            open();
            finished();
          }
        })());
    });
    loan.catch(() => finished());
    return loan;
  }
}

function sameToken(given: string | undefined, token: string): boolean {
  const a = Buffer.from(given ?? "");
  const b = Buffer.from(`Bearer ${token}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The server's side: a loopback listener that lends `pg` to whoever presents the token. */
export async function startLending(
  pg: LendablePglite,
  onError: (err: unknown) => void,
): Promise<{ port: number; token: string; close(): Promise<void> }> {
  const token = randomBytes(24).toString("base64url");
  const server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/borrow" || !sameToken(req.headers.authorization, token)) {
      res.writeHead(404).end();
      return;
    }
    let giveBack: (() => Promise<void>) | undefined;
    let gone = false;
    const settle = () => {
      if (!giveBack) return;
      const back = giveBack;
      giveBack = undefined;
      back().catch(onError);
    };
    res.on("close", () => {
      gone = true;
      settle();
    });
    pg.lend().then(
      (back) => {
        giveBack = back;
        if (gone) settle();
        else res.writeHead(200, { "content-type": "text/plain" }).write("lent\n");
      },
      (err: unknown) => {
        onError(err);
        if (!gone) res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The CLI's side: waits until the holder has closed the directory; `giveBack()` ends the loan. */
export function borrow(lock: DataDirLock, timeoutMs = 120_000): Promise<{ giveBack(): void }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port: lock.port,
      method: "POST",
      path: "/borrow",
      headers: { authorization: `Bearer ${lock.token}` },
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`the server (pid ${lock.pid}) did not lend DATA_DIR within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on("response", (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        req.destroy();
        reject(new Error(`the server (pid ${lock.pid}) refused to lend DATA_DIR (HTTP ${res.statusCode})`));
        return;
      }
      res.once("data", () => {
        clearTimeout(timer);
        resolve({ giveBack: () => req.destroy() });
      });
    });
    req.end();
  });
}
