/**
 * SSRF guard for endpoint URLs: a merchant must not make this server call its own network (loopback, private
 * ranges, link-local cloud metadata at 169.254.169.254, …). Checked when an endpoint is registered (the URL's host)
 * and again at every delivery on Node, against the addresses the name resolves to (src/webhooks/node-fetch.ts).
 */

function ipv4Bytes(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

function privateV4([a, b]: number[]): boolean {
  return (
    a === 0 || // "this" network
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) || // IETF protocol assignments
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a! >= 224 // multicast, reserved, broadcast
  );
}

/** The 8 16-bit groups of an IPv6 address (with an embedded IPv4 tail), or undefined when it is not one. */
function ipv6Groups(host: string): number[] | undefined {
  let h = host.replace(/^\[|\]$/g, "").toLowerCase();
  const zone = h.indexOf("%");
  if (zone >= 0) h = h.slice(0, zone);
  if (!h.includes(":")) return undefined;
  const tail = h.match(/:(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const v4 = ipv4Bytes(tail[1]!);
    if (!v4) return undefined;
    h = `${h.slice(0, -tail[1]!.length)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [head, rest, extra] = h.split("::");
  if (extra !== undefined) return undefined;
  const parse = (s: string | undefined) =>
    s ? s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : Number.NaN)) : [];
  const a = parse(head);
  const b = parse(rest);
  const groups = rest === undefined ? a : [...a, ...new Array(8 - a.length - b.length).fill(0), ...b];
  return groups.length === 8 && groups.every((g) => g >= 0) ? groups : undefined;
}

function privateV6(g: number[]): boolean {
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];
  if (g.slice(0, 7).every((x) => x === 0)) return g[7]! <= 1; // :: and ::1
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return privateV4(v4(g[6]!, g[7]!)); // ::ffff:a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b) return privateV4(v4(g[6]!, g[7]!)); // NAT64
  const first = g[0]!;
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 || // multicast
    (first === 0x2001 && g[1] === 0xdb8) // documentation
  );
}

/** True for an IP literal (v4 or v6, bracketed or not) in a loopback, private, link-local or reserved range. */
export function isPrivateAddress(ip: string): boolean {
  const v4 = ipv4Bytes(ip);
  if (v4) return privateV4(v4);
  const v6 = ipv6Groups(ip);
  return v6 ? privateV6(v6) : false;
}

/** Why an endpoint URL is refused (undefined: acceptable). `allowPrivate`: tests and local development only. */
export function urlRefusal(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http or https URL";
  if (url.username || url.password) return "must not carry credentials";
  if (allowPrivate) return undefined;
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  // Numeric shorthands ("http://2130706433/", "0x7f.1") are normalised by the URL parser into dotted quads.
  if (isPrivateAddress(host)) return "must not point to a private, loopback or link-local address";
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal") || host.endsWith(".local"))
    return "must not point to a private, loopback or link-local address";
  if (!host.includes(".") && !host.includes(":")) return "must be a public host name";
  return undefined;
}
