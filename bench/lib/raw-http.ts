/**
 * A minimal HTTP/1.1 keep-alive client for load generators: one socket, one request at a time, the request written
 * as one string, the response read by Content-Length. node:http costs ~0.2 ms of CPU per request on these
 * machines, which the load generator takes from the two cores the server and Postgres share; pgbench's C client
 * costs next to nothing. This one does the same job at a fraction of that (docs/benchmarks.md).
 */
import { connect, type Socket } from "node:net";

export class RawHttpClient {
  private readonly socket: Socket;
  private readonly ready: Promise<void>;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve(status: number): void; reject(err: Error): void } | null = null;

  constructor(target: URL) {
    this.socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("connect", () => resolve());
      this.socket.once("error", reject);
    });
    this.socket.on("data", (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    this.socket.on("error", (err) => this.fail(err));
    this.socket.on("close", () => this.fail(new Error("connection closed")));
  }

  /** POSTs a JSON body; resolves to the response status once the whole response has arrived. */
  async post(path: string, headers: Record<string, string>, body: string): Promise<number> {
    await this.ready;
    if (this.waiting) throw new Error("one request at a time");
    let head = `POST ${path} HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`${head}\r\n${body}`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0 || !this.waiting) return;
    const head = this.buf.toString("latin1", 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.fail(new Error(`response without content-length: ${head.split("\r\n")[0]}`));
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (this.buf.length < total) return;
    const status = Number(head.slice(9, 12));
    this.buf = this.buf.subarray(total);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(status);
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }
}
