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
import { budgetSendGuard } from "../budget/guard.ts";
import { wakeDeliveryWorkers } from "../campaigns/worker.ts";
import { DomainError } from "../lib/errors.ts";
import {
  addApiKey,
  createMerchant,
  getMerchant,
  listApiKeys,
  listMerchants,
  revokeApiKey,
} from "../merchants/service.ts";
import { buildRecsModel, importOrdersFile, importProductsFile, WorkInputError, type WorkProgress } from "./cli-work.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const merchantInput = z.object({ merchantId: z.string().min(1).max(200) });

async function mustExist(db: Db, merchantId: string) {
  if (!(await getMerchant(db, merchantId))) throw new Error(`no merchant ${merchantId} (see \`merchants list\`)`);
}

type Op = (db: Db, input: unknown, now: Date) => Promise<unknown>;

/**
 * Long CLI work the server runs in the background (`orders import`, `recs build`): the start operation answers at
 * once with a job id, the CLI polls `jobs.get` for progress and the result. Finished jobs are forgotten after
 * 10 minutes. The server keeps answering meanwhile: the job's queries interleave with the requests' on one database.
 */
interface Job {
  status: "running" | "done" | "failed";
  progress: WorkProgress | undefined;
  result?: unknown;
  /** Failed: the one-line reason; `usage` marks bad input (the CLI exits 2). */
  error?: { message: string; usage: boolean };
  finishedAt?: number;
}
const jobs = new Map<string, Job>();
const JOB_TTL_MS = 10 * 60_000;

function startJob(work: (progress: (p: WorkProgress) => void) => Promise<unknown>): { jobId: string } {
  const now = Date.now();
  for (const [id, j] of jobs) if (j.finishedAt !== undefined && now - j.finishedAt > JOB_TTL_MS) jobs.delete(id);
  const jobId = `job_${crypto.randomUUID()}`;
  const job: Job = { status: "running", progress: undefined };
  jobs.set(jobId, job);
  work((p) => (job.progress = p)).then(
    (result) => Object.assign(job, { status: "done", result, finishedAt: Date.now() }),
    (err: unknown) =>
      Object.assign(job, {
        status: "failed",
        finishedAt: Date.now(),
        error: { message: err instanceof Error ? err.message : String(err), usage: err instanceof WorkInputError },
      }),
  );
  return { jobId };
}

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
        await startCampaign(db, row.merchantId, campaignId, now, budgetSendGuard);
      } catch (err) {
        if (err instanceof DomainError) throw new Error(err.message);
        throw err;
      }
      wakeDeliveryWorkers();
    }
    return { merchantId: row.merchantId, wasDone: row.status === "done" };
  },
  "merchants.create": async (db, input) => {
    const { name, timezone } = z
      .object({ name: z.string().trim().min(1).max(200), timezone: z.string().min(1).max(100).optional() })
      .parse(input);
    const r = await createMerchant(db, { name, ...(timezone ? { timezone } : {}) });
    return { merchantId: r.merchantId, apiKey: r.apiKey };
  },
  /** Starts `orders import` of a file the server can read (the CLI sends an absolute path). */
  "orders.import": async (db, input) => {
    const { merchantId, file } = merchantInput.extend({ file: z.string().min(1).max(4096) }).parse(input);
    return startJob((progress) => importOrdersFile(db, merchantId, file, () => new Date(), progress));
  },
  "products.import": async (db, input, now) => {
    const { merchantId, file } = merchantInput.extend({ file: z.string().min(1).max(4096) }).parse(input);
    return startJob(() => importProductsFile(db, merchantId, file, now));
  },
  "recs.build": async (db, input, now) => {
    const { merchantId, options } = merchantInput
      .extend({
        options: z.object({
          minSupport: z.number().optional(),
          minConfidence: z.number().optional(),
          maxLen: z.number().int().optional(),
          keepVersions: z.number().int().optional(),
          force: z.boolean().optional(),
        }),
      })
      .parse(input);
    return startJob((progress) => buildRecsModel(db, merchantId, options, now, progress));
  },
  "jobs.get": async (_db, input) => {
    const { jobId } = z.object({ jobId: z.string().min(1).max(100) }).parse(input);
    const job = jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId} (the server may have restarted)`);
    return { status: job.status, progress: job.progress, result: job.result, error: job.error };
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
