/** /v1/stores: a merchant's stores (branches, POS terminals): create, list, get, update, archive. */
import { apiGroup, created, found, listOf, ok } from "../http/route.ts";
import { CreateStoreSchema, ListStoresQuery, StoreView, UpdateStoreSchema } from "./schemas.ts";
import { archiveStore, createStore, listStores, requireStore, storeView, updateStore } from "./service.ts";

const api = apiGroup("Stores");

api.post(
  "/v1/stores",
  {
    summary: "Add a store (branch, POS terminal); orders then name it by storeId",
    description:
      "code is the merchant's own code for the store (e.g. the POS branch code): unique per merchant, archived stores included (a duplicate → 409 duplicate-store-code). The CSV order import's `store` column and the shop-system receivers (a platform's location id) find stores by code.",
    body: CreateStoreSchema,
    responses: created("The store", StoreView, { 409: "duplicate-store-code" }),
  },
  async ({ db, merchantId, now, body }) => storeView(await createStore(db, merchantId, body, now)),
);

api.get(
  "/v1/stores",
  {
    summary: "The merchant's stores, by code",
    query: ListStoresQuery,
    responses: ok("Stores", listOf("stores", StoreView)),
  },
  async ({ db, merchantId, query }) => ({ stores: (await listStores(db, merchantId, query.archived)).map(storeView) }),
);

api.get(
  "/v1/stores/{id}",
  {
    summary: "One store (archived stores too)",
    responses: found("The store", StoreView, "store-not-found"),
  },
  async ({ db, merchantId, param }) => storeView(await requireStore(db, merchantId, param("id"))),
);

api.patch(
  "/v1/stores/{id}",
  {
    summary: "Rename a store, change its code or address (address null clears it)",
    body: UpdateStoreSchema,
    responses: {
      ...found("The store", StoreView, "store-not-found"),
      409: { description: "duplicate-store-code" },
    },
  },
  async ({ db, merchantId, param, body }) => storeView(await updateStore(db, merchantId, param("id"), body)),
);

api.delete(
  "/v1/stores/{id}",
  {
    summary: "Archive a store: it stays readable and on its orders, but new orders naming it are refused (400)",
    description: "Idempotent: archiving an archived store answers it unchanged.",
    responses: found("The archived store", StoreView, "store-not-found"),
  },
  async ({ db, merchantId, now, param }) => storeView(await archiveStore(db, merchantId, param("id"), now)),
);

export const storeRoutes = api.app;
