/**
 * One POST over a kept-alive connection, resolving to the status. node:http rather than fetch: the load generator
 * shares the two cores with the server and Postgres, and undici's fetch costs about twice the CPU per request.
 */
import { type Agent, request } from "node:http";

export function post(
  agent: Agent,
  target: URL,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
