/**
 * The CLI's operations, run either by the server that holds the embedded DATA_DIR (on the CLI's behalf, over the
 * loopback control channel in src/db/pglite-lending.ts — the server never pauses) or by the CLI itself on a database
 * it opened (Postgres, or no server running). Inputs and results are JSON; errors are one-line messages.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import type { LocalControl } from "../db/pglite-lending.ts";
import { campaigns } from "../campaigns/tables.ts";
import { getCampaignView, startCampaign } from "../campaigns/service.ts";
import { wakeDeliveryWorkers } from "../campaigns/worker.ts";
import { DomainError } from "../lib/errors.ts";
import { addApiKey, getMerchant, listApiKeys, listMerchants, revokeApiKey } from "../merchants/service.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const merchantInput = z.object({ merchantId: z.string().min(1).max(200) });

async function mustExist(db: Db, merchantId: string) {
  if (!(await getMerchant(db, merchantId))) throw new Error(`no merchant ${merchantId} (see \`merchants list\`)`);
}

type Op = (db: Db, input: unknown, now: Date) => Promise<unknown>;

export const controlOps: Record<string, Op> = {
  "merchants.list": async (db) => ({
    merchants: (await listMerchants(db)).map((m) => ({ ...m, createdAt: iso(m.createdAt) })),
  }),
  "keys.issue": async (db, input) => {
    const { merchantId } = merchantInput.parse(input);
    await mustExist(db, merchantId);
    const apiKey = await addApiKey(db, merchantId);
    return { merchantId, apiKey, prefix: apiKey.slice(0, 12) };
  },
  "keys.list": async (db, input) => {
    const { merchantId } = merchantInput.parse(input);
    await mustExist(db, merchantId);
    const keys = await listApiKeys(db, merchantId);
    return { keys: keys.map((k) => ({ ...k, createdAt: iso(k.createdAt), revokedAt: iso(k.revokedAt) })) };
  },
  "keys.revoke": async (db, input, now) => {
    const { merchantId, key } = merchantInput.extend({ key: z.string().min(1).max(200) }).parse(input);
    await mustExist(db, merchantId);
    const r = await revokeApiKey(db, merchantId, key, now);
    if ("error" in r)
      throw new Error(
        {
          "not-found": `no key "${key}" for merchant ${merchantId} (see \`keys list\`)`,
          ambiguous: `"${key}" matches several active keys; give the key id`,
          "already-revoked": `key "${key}" is already revoked`,
        }[r.error],
      );
    return { revoked: { id: r.revoked.id, prefix: r.revoked.prefix, revokedAt: iso(r.revoked.revokedAt) } };
  },
  /** Starts a draft/scheduled campaign (like POST /v1/campaigns/{id}/send); reports what it found. */
  "campaigns.start": async (db, input, now) => {
    const { campaignId } = z.object({ campaignId: z.string().min(1).max(200) }).parse(input);
    const [row] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId)).limit(1);
    if (!row) throw new Error(`no campaign ${campaignId}`);
    if (row.status === "cancelled") throw new Error(`campaign ${campaignId} was cancelled`);
    if (row.status === "draft" || row.status === "scheduled") {
      try {
        await startCampaign(db, row.merchantId, campaignId, now);
      } catch (err) {
        if (err instanceof DomainError) throw new Error(err.message);
        throw err;
      }
      wakeDeliveryWorkers();
    }
    return { merchantId: row.merchantId, wasDone: row.status === "done" };
  },
  "campaigns.view": async (db, input) => {
    const { merchantId, campaignId } = merchantInput.extend({ campaignId: z.string().min(1) }).parse(input);
    const v = await getCampaignView(db, merchantId, campaignId);
    return { status: v.status, counts: v.counts };
  },
};

/** The server's side: runs known operations on its database. */
export function createLocalControl(db: Db, now: () => Date): LocalControl {
  return async (op, input) => {
    const fn = Object.hasOwn(controlOps, op) ? controlOps[op] : undefined;
    if (!fn) return { found: false };
    try {
      return { found: true, result: await fn(db, input, now()) };
    } catch (err) {
      if (err instanceof z.ZodError) throw new Error(`bad input for ${op}: ${err.issues[0]?.message ?? "invalid"}`);
      throw err;
    }
  };
}
