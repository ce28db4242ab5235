/**
 * The client's IP for abuse limits. TRUST_PROXY=socket (default): the TCP peer on Node, CF-Connecting-IP on
 * Workers (set by Cloudflare, not forgeable there); on Node that header is ignored, since any client can send it.
 * TRUST_PROXY=x-forwarded-for: the last X-Forwarded-For entry, i.e. the address your own reverse proxy appended;
 * use it only behind a proxy that always appends it, or clients choose their own IP.
 */
import type { Context } from "hono";
import type { Config } from "../config.ts";

export function clientIp(c: Context, mode: Config["TRUST_PROXY"]): string {
  if (mode === "x-forwarded-for") {
    const last = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .at(-1);
    if (last) return last.slice(0, 64);
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const peer = env?.incoming?.socket?.remoteAddress;
  if (peer) return peer;
  return (c.req.header("cf-connecting-ip") ?? "unknown").slice(0, 64);
}
