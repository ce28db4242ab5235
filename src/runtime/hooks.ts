/**
 * The order and refund hooks every runtime injects (AppDeps.orderHooks): offers redeem claimed codes on orders and
 * take their add-on bonus back on refunds. Test helpers that build the app without the runtime use this too.
 */
import type { OrderHooks } from "../orders/service.ts";
import { offerOrderHooks } from "../offers/service.ts";

export const runtimeOrderHooks: OrderHooks = {
  order: [...offerOrderHooks.order],
  refund: [...offerOrderHooks.refund],
};
