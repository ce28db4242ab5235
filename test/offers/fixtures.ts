/** A shop with a co-purchase history, for the offers tests. */
import type { Api } from "../helpers/server.ts";

export const CATALOG: Record<string, { name: string; category: string; price: number }> = {
  CF: { name: "Cà phê sữa đá", category: "coffee", price: 29000 },
  "CF-L": { name: "Cà phê sữa đá (lớn)", category: "coffee", price: 39000 },
  DEN: { name: "Cà phê đen", category: "coffee", price: 25000 },
  BM: { name: "Bánh mì thịt", category: "food", price: 25000 },
  CROIS: { name: "Bánh sừng bò", category: "bakery", price: 28000 },
  TEA: { name: "Trà đào", category: "tea", price: 39000 },
  CAKE: { name: "Tiramisu", category: "bakery", price: 39000 },
  WATER: { name: "Nước suối", category: "drinks", price: 10000 },
  SNACK: { name: "Snack khoai tây", category: "snacks", price: 15000 },
};

export const line = (sku: string, quantity = 1) => {
  const p = CATALOG[sku];
  return { sku, quantity, unitPrice: p?.price ?? 10000, ...(p ? { name: p.name, category: p.category } : {}) };
};

let seq = 0;
export const nextId = (prefix = "O") => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 7)}`;

/** Guest orders with clear habits: CF+BM, CF+CROIS, TEA+CAKE; WATER everywhere-ish; CF-L and DEN sold alone. */
export const HISTORY: string[][] = [
  ...Array.from({ length: 8 }, () => ["CF", "BM"]),
  ...Array.from({ length: 5 }, () => ["CF", "CROIS"]),
  ...Array.from({ length: 6 }, () => ["TEA", "CAKE"]),
  ["CF", "BM", "CROIS"],
  ["CF", "BM", "CROIS"],
  ["WATER"],
  ["WATER", "SNACK"],
  ["WATER", "SNACK"],
  ["WATER", "TEA"],
  ["CF-L"],
  ["CF-L"],
  ["DEN"],
  ["SNACK"],
];

export async function seedHistory(api: Api, baskets: string[][] = HISTORY, placedAt?: string): Promise<void> {
  for (const b of baskets) {
    const r = await api("POST", "/v1/orders", {
      externalId: nextId("H"),
      ...(placedAt ? { placedAt } : {}),
      items: b.map((s) => line(s)),
    });
    if (r.status !== 201) throw new Error(`seed order failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

export async function newMember(api: Api, extra: Record<string, unknown> = {}): Promise<string> {
  const phone = `09${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const r = await api("POST", "/v1/members", { phone, ...extra });
  if (r.status !== 201) throw new Error(`member failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

export async function memberOrder(api: Api, memberId: string, skus: string[], extra: Record<string, unknown> = {}) {
  const r = await api("POST", "/v1/orders", {
    externalId: nextId("M"),
    memberId,
    items: skus.map((s) => line(s)),
    ...extra,
  });
  if (r.status !== 201) throw new Error(`member order failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { orderId: string; externalId: string; pointsEarned: number; balance: number };
}
