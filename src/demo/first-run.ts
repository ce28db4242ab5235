/**
 * What `npm start` prints on every start (stdout): where the console, the simulator and the API reference are, and
 * for the demo shop how to get a key and a simulator link already tied to a demo member (a fresh link code).
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { members, merchants } from "../db/schema.ts";
import { createLinkCode } from "../links/service.ts";

export interface DemoStart {
  merchantId: string;
  memberId: string;
  memberName: string | null;
  /** A one-time link code for the simulator (`/simulator?code=…`), valid one day. */
  code: string;
}

/** The demo shop (if any) and a fresh link code for its first member; undefined without a demo shop. */
export async function demoStart(db: Db, now: Date): Promise<DemoStart | undefined> {
  const shop = (
    await db
      .select({ id: merchants.id })
      .from(merchants)
      .where(eq(merchants.isDemo, true))
      .orderBy(asc(merchants.createdAt))
      .limit(1)
  )[0];
  if (!shop) return undefined;
  const member = (
    await db
      .select({ id: members.id, name: members.name })
      .from(members)
      .where(and(eq(members.merchantId, shop.id)))
      .orderBy(asc(members.createdAt), asc(members.id))
      .limit(1)
  )[0];
  if (!member) return undefined;
  const { code } = await createLinkCode(db, shop.id, member.id, now, 1);
  return { merchantId: shop.id, memberId: member.id, memberName: member.name, code };
}

/** The start banner (plain text, one fact per line). `newKey` only on the start that created the demo shop. */
export function startBanner(input: { baseUrl: string; demo?: DemoStart; newKey?: string }): string {
  const { baseUrl, demo, newKey } = input;
  const lines = [
    "",
    `  chatloyalty is running at ${baseUrl}`,
    `  Console:        ${baseUrl}/console`,
    `  Simulator:      ${baseUrl}/simulator${demo ? `?code=${demo.code}` : ""}`,
    `  API reference:  ${baseUrl}/docs`,
    `  Health:         ${baseUrl}/healthz`,
  ];
  if (demo) {
    lines.push(
      "",
      `  Demo shop (DEMO data): merchant ${demo.merchantId}`,
      `  The simulator link above opens the chat linked to demo member ${demo.memberName ?? demo.memberId} (one-time code, valid 1 day).`,
    );
    if (newKey) lines.push(`  API key:        ${newKey}   (shown once; store it now)`);
    else
      lines.push(
        `  API keys: the first was shown once; run \`npm run cli -- keys issue --merchant ${demo.merchantId}\` for a new one`,
      );
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}
