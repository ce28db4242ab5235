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

  /**
   * This instance as the `PGlite` Drizzle's driver takes (its type is a class with private fields, so nothing else
   * can satisfy it): a proxy over the open PGlite whose query/exec/transaction/close are the gated ones above;
   * anything else Drizzle might read goes to the PGlite open at that moment.
   */
  asPglite(): PGlite {
    const first = this.#client;
    if (!first) throw new Error("database closed");
    const gated: Record<PropertyKey, unknown> = {
      query: this.query.bind(this),
      exec: this.exec.bind(this),
      transaction: this.transaction.bind(this),
      close: this.close.bind(this),
    };
    return new Proxy(first, {
      get: (_target, prop) => {
        if (Object.hasOwn(gated, prop)) return gated[prop];
        const current = this.#client ?? first;
        const value: unknown = Reflect.get(current, prop, current);
        return typeof value === "function" ? value.bind(current) : value;
      },
    });
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
  afterLoan?: () => void,
  control?: LocalControl,
): Promise<{ port: number; token: string; close(): Promise<void> }> {
  const token = randomBytes(24).toString("base64url");
  const server = createServer((req, res) => {
    const op = req.url?.startsWith("/control/") ? req.url.slice("/control/".length) : undefined;
    if (op !== undefined && req.method === "POST" && control && sameToken(req.headers.authorization, token)) {
      serveControl(control, op, req, res);
      return;
    }
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
      // The borrower may have changed anything (e.g. revoked an API key): the holder drops its caches.
      back().then(() => afterLoan?.(), onError);
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

/**
 * Operations a running server performs for the CLI on its own open database (the CLI's "server API" on loopback):
 * short commands run there instead of borrowing DATA_DIR, so the server never pauses for them. An operation throws
 * an Error whose message is shown to the CLI user as one line.
 */
export type LocalControl = (op: string, input: unknown) => Promise<{ found: false } | { found: true; result: unknown }>;

function serveControl(
  control: LocalControl,
  op: string,
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
): void {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (d: string) => {
    body += d;
    if (body.length > 1_000_000) req.destroy();
  });
  req.on("end", () => {
    const reply = (status: number, value: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    let input: unknown;
    try {
      input = body ? JSON.parse(body) : {};
    } catch {
      reply(400, { error: "body is not JSON" });
      return;
    }
    control(op, input).then(
      (r) => (r.found ? reply(200, { result: r.result }) : reply(404, { error: `unknown operation ${op}` })),
      (err: unknown) => reply(422, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/**
 * The CLI's side: runs `op` in the live holder of `dataDir` (a server started with a control handler). Returns
 * `undefined` when there is no such holder (nobody holds the directory, or the holder only lends it), so the caller
 * opens the database itself; throws the holder's one-line error otherwise.
 */
export function callHolder(lock: DataDirLock, op: string, input: unknown, timeoutMs = 120_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(input ?? {});
    const req = request({
      host: "127.0.0.1",
      port: lock.port,
      method: "POST",
      path: `/control/${op}`,
      headers: {
        authorization: `Bearer ${lock.token}`,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
      },
      timeout: timeoutMs,
    });
    req.on("timeout", () =>
      req.destroy(new Error(`the server (pid ${lock.pid}) did not answer within ${timeoutMs / 1000} s`)),
    );
    req.on("error", reject);
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        if (res.statusCode === 404) return resolve(NOT_HANDLED);
        let parsed: { result?: unknown; error?: string };
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          return reject(new Error(`the server (pid ${lock.pid}) answered HTTP ${res.statusCode}`));
        }
        if (res.statusCode === 200) resolve(parsed.result);
        else reject(new Error(parsed.error ?? `the server answered HTTP ${res.statusCode}`));
      });
    });
    req.end(payload);
  });
}

/** What `callHolder` resolves to when the holder does not know the operation. */
export const NOT_HANDLED: unique symbol = Symbol("not handled");
