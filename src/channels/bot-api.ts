/**
 * A minimal Bot API call over fetch for `src/` code that must not import `bots/` (the CLI's `channels` commands,
 * the link-code route's getMe). Telegram and the Zalo Bot Platform share the shape:
 * `<apiRoot>/bot<token>/<method>` answering `{ ok, result | error_code, description }`.
 * The token never appears in errors.
 */
import { z } from "zod";

const Envelope = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().optional(),
  description: z.string().optional(),
});

export class BotApiCallError extends Error {
  readonly method: string;
  readonly errorCode: number;
  constructor(method: string, errorCode: number, description: string) {
    super(`${method} failed (${errorCode}): ${description}`);
    this.name = "BotApiCallError";
    this.method = method;
    this.errorCode = errorCode;
  }
}

function redact(text: string, token: string): string {
  if (!token) return text;
  let out = text.split(token).join("<token>");
  const secret = token.slice(token.indexOf(":") + 1);
  if (secret.length >= 6) out = out.split(secret).join("<token>");
  return out;
}

export async function callBotApi(
  apiRoot: string,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<unknown> {
  const url = `${apiRoot.replace(/\/+$/, "")}/bot${token}/${method}`;
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    text = await res.text();
  } catch (err) {
    throw new BotApiCallError(
      method,
      0,
      redact(`network error: ${err instanceof Error ? err.message : String(err)}`, token),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const env = Envelope.safeParse(json);
  if (!env.success)
    throw new BotApiCallError(
      method,
      res.status,
      redact(`unexpected response (HTTP ${res.status}): ${text.slice(0, 200)}`, token),
    );
  if (!env.data.ok)
    throw new BotApiCallError(
      method,
      env.data.error_code ?? res.status,
      redact(env.data.description ?? `HTTP ${res.status}`, token),
    );
  return env.data.result;
}

/** The bot id part of a token (`<id>:<secret>`), safe to log and to key caches by. */
export function botIdOf(token: string): string {
  return token.split(":")[0] ?? "";
}
