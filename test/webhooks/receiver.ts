/**
 * A webhook receiver on loopback, like a merchant's: records every request (headers and raw body) and answers with
 * the status `answer` picks for the n-th request (0-based); "hang" keeps the request open (never answers).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: Record<string, string>;
  body: string;
  answered: number | "hang";
}

export interface Receiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

function flat(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (typeof v === "string") out[k] = v;
  return out;
}

export async function startReceiver(answer: (n: number) => number | "hang" = () => 200): Promise<Receiver> {
  const requests: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answered = answer(requests.length);
      requests.push({ headers: flat(req.headers), body: Buffer.concat(chunks).toString("utf8"), answered });
      if (answered === "hang") hanging.push(res);
      else res.writeHead(answered, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
