/**
 * Node's transport for outbound events: undici with a DNS lookup that refuses private, loopback and link-local
 * addresses, so the connection goes only to an address that was checked (no DNS-rebinding window between a check
 * and the connect). Chosen by the Node entry; Workers use `fetchPost` (their fetch cannot reach private networks).
 */
import { lookup, type LookupAddress, type LookupOptions } from "node:dns";
import { Agent, fetch } from "undici";
import { isPrivateAddress } from "./address.ts";
import type { WebhookPost } from "./deliver.ts";

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(hostname: string, options: LookupOptions, cb: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return cb(err, []);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked || addresses.length === 0)
      return cb(new Error("refused: the host resolves to a private, loopback or link-local address"), []);
    if (options.all) return cb(null, addresses);
    return cb(null, addresses[0]!.address, addresses[0]!.family);
  });
}

export function nodeWebhookPost(allowPrivate: boolean): WebhookPost {
  const dispatcher = allowPrivate ? new Agent() : new Agent({ connect: { lookup: guardedLookup } });
  return async (url, init) => {
    const res = await fetch(url, { method: "POST", redirect: "manual", ...init, dispatcher });
    await res.body?.cancel();
    return { status: res.status };
  };
}
