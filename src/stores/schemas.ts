/** Request and response shapes of /v1/stores (the one source of their types and of the OpenAPI document). */
import { z } from "zod";
import { id, text } from "../lib/validate.ts";

/** A store code: what a POS or shop system calls the branch (letters, digits, `-`, `_`, `.`; case kept). */
export const StoreCode = text(64)
  .min(1)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-', starting with a letter or digit");

export const CreateStoreSchema = z.object({
  code: StoreCode.describe("The merchant's own code for the store (POS branch code), unique per merchant"),
  name: text(200).trim().min(1),
  address: text(500).trim().min(1).optional(),
});

export const UpdateStoreSchema = z.object({
  code: StoreCode.optional(),
  name: text(200).trim().min(1).optional(),
  address: text(500).trim().min(1).nullable().optional(),
});

export const StoreView = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  archived: z.boolean(),
  archivedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type StoreView = z.infer<typeof StoreView>;

export const ListStoresQuery = z.object({
  archived: z
    .enum(["true", "false", "all"])
    .default("false")
    .describe("false (default): open stores; true: archived ones; all: both"),
});

/** A report's optional `?storeId=` (checked by storeFilter in service.ts): `limits` says what it limits. */
export const storeFilterParam = (limits: string) =>
  id()
    .optional()
    .describe(
      `Only orders placed at this store (GET /v1/stores; archived ones too): ${limits} Not one of this merchant's stores → 400 at storeId.`,
    );
