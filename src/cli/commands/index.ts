import type { Command } from "../command.ts";
import { merchantCreate } from "./merchant-create.ts";
import { keysIssue, keysList, keysRevoke, merchantsList } from "./keys.ts";
import { ordersImport } from "./orders-import.ts";
import { productsImport } from "./products-import.ts";
import { recsMineCommand } from "./recs-mine.ts";
import { recsEvaluateCommand } from "./recs-evaluate.ts";
import { recsBuildCommand } from "./recs-build.ts";
import { channelsSetWebhook } from "./channels-set-webhook.ts";
import { channelsInfo } from "./channels-info.ts";
import { campaignsSend } from "./campaigns-send.ts";
import { backupCommand, restoreCommand } from "./backup.ts";

/** Every CLI command, in the order `--help` lists them. */
export const commands: Command[] = [
  merchantCreate,
  merchantsList,
  keysIssue,
  keysList,
  keysRevoke,
  ordersImport,
  productsImport,
  recsMineCommand,
  recsEvaluateCommand,
  recsBuildCommand,
  channelsSetWebhook,
  channelsInfo,
  campaignsSend,
  backupCommand,
  restoreCommand,
];
