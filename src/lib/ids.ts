/** Random identifiers and codes from Web Crypto (works on Node and Workers). */

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case
/** No look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B): codes people read off a receipt and type. */
const CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679";

function randomString(alphabet: string, length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  // 256 is not a multiple of the alphabet size; rejection sampling keeps the distribution uniform.
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  let i = 0;
  while (out.length < length) {
    if (i >= bytes.length) {
      crypto.getRandomValues(bytes);
      i = 0;
    }
    const b = bytes[i++]!;
    if (b < limit) out += alphabet[b % alphabet.length];
  }
  return out;
}

/** `mem_7k3…` style ids: a prefix that says what it is, 20 random base32 chars (100 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomString(ID_ALPHABET, 20)}`;
}

/** Human-typeable code, e.g. voucher or link code. */
export function newCode(length = 8): string {
  return randomString(CODE_ALPHABET, length);
}

/** Secret API key: `ck_live_` + 32 base32 chars (160 bits). */
export function newApiKey(): string {
  return `ck_live_${randomString(ID_ALPHABET, 32)}`;
}
