/**
 * Secrets we must read back (a shop's webhook secret, an outbound endpoint's signing secret, API credentials) are
 * stored sealed with AES-256-GCM under SECRETS_KEY, so a database dump alone does not reveal them. Web Crypto only:
 * runs on Node and Workers. Sealed form: `v1:<base64 iv>:<base64 ciphertext+tag>`.
 */
const PREFIX = "v1:";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export interface SecretBox {
  seal(plaintext: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

/**
 * `secret` is SECRETS_KEY (any string of ≥ 32 characters; hashed to the AES key). Unset (development, tests): a fixed
 * development key — config refuses that in production (NODE_ENV=production), see docs/security.md.
 */
export function createSecretBox(secret: string | undefined): SecretBox {
  const material = secret ?? "chatloyalty-development-key-not-for-production";
  let key: Promise<CryptoKey> | undefined;
  const getKey = () => {
    key ??= crypto.subtle
      .digest("SHA-256", encoder.encode(material))
      .then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    return key;
  };
  return {
    async seal(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await getKey(), encoder.encode(plaintext));
      return `${PREFIX}${toB64(iv)}:${toB64(new Uint8Array(ct))}`;
    },
    async open(sealed) {
      const [iv, ct] = sealed.startsWith(PREFIX) ? sealed.slice(PREFIX.length).split(":") : [];
      if (!iv || !ct) throw new Error("secret-box: not a sealed value");
      const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromB64(iv) }, await getKey(), fromB64(ct));
      return decoder.decode(pt);
    },
  };
}
