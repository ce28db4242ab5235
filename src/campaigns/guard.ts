/**
 * The check that runs before a campaign starts and when a journey is activated. The program budget implements it
 * (src/budget/guard.ts) and the runtime injects it (`AppDeps.sendGuard`): campaigns and journeys never import the
 * budget, which reads their estimates and KPIs. A guard refuses by throwing a DomainError (409) or passes a warning
 * on to the caller.
 */
import { z } from "zod";
import type { Db } from "../db/types.ts";
import type { ChannelChoice } from "./routing.ts";

/** What is about to go out: a campaign, or the reactivation journey's steps as they are being saved. */
export type SendTarget =
  | { kind: "campaign"; id: string }
  | {
      kind: "journey";
      steps: {
        segmentId: string;
        offerId?: string | undefined;
        channel?: ChannelChoice | undefined;
        znsTemplateId?: string | undefined;
      }[];
      /**
       * A pass of the running journey (not its activation): only the members the pass would queue now count, i.e.
       * not those whose entry already has the step (delivery key `<keyPrefix>:<step>:<entry order>`). Nothing is
       * reserved: the queued messages count as they are sent.
       */
      pass?: { keyPrefix: string } | undefined;
    }
  /**
   * A survey's after-order pass (or, `via: "segment"`, its send to its segment) about to invite `invitations`
   * members (`zns` of them by ZNS): each completing it earns `points` (an upper bound: every invitee completes).
   * Nothing is reserved.
   */
  | { kind: "survey"; id: string; invitations: number; zns: number; points: number; via?: "segment" | undefined };

export const SendWarningSchema = z
  .object({
    code: z.literal("over-budget"),
    detail: z.string(),
    over: z.array(z.enum(["points", "spend"])).describe("The monthly budgets the estimate would exceed"),
    cost: z.number().int().describe("The estimated cost (currency minor units)"),
  })
  .describe("Present when sending goes over the month's remaining budget and the budget only warns (docs/budget.md)");

export type SendWarning = z.output<typeof SendWarningSchema>;

export type SendGuard = (db: Db, merchantId: string, target: SendTarget, now: Date) => Promise<SendWarning | undefined>;
