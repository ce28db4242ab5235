/** Telegram Mini App initData signed as Telegram signs it, computed here independently of src/cards. */
import { createHmac } from "node:crypto";

export function signedInitData(
  botToken: string,
  user: { id: number; first_name?: string; language_code?: string },
  authDateSeconds: number,
  extra: Record<string, string> = {},
): string {
  const fields: Record<string, string> = {
    query_id: "AAHdF6IQAAAAAN0XohDhrOrc",
    user: JSON.stringify({ first_name: "Hoa", language_code: "vi", ...user }),
    auth_date: String(authDateSeconds),
    ...extra,
  };
  const check = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join("\n");
  const secret = createHmac("sha256", "WebAppData").update(botToken).digest();
  const hash = createHmac("sha256", secret).update(check).digest("hex");
  return new URLSearchParams({ ...fields, hash }).toString();
}
