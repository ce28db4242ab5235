/** A small Vietnamese café / convenience catalog for the demo shop (prices in VND). */
export interface DemoProduct {
  sku: string;
  name: string;
  category: string;
  price: number;
}

export const DEMO_CATALOG: DemoProduct[] = [
  { sku: "CF-SUADA", name: "Cà phê sữa đá", category: "coffee", price: 29000 },
  { sku: "CF-DEN", name: "Cà phê đen đá", category: "coffee", price: 25000 },
  { sku: "CF-BACXIU", name: "Bạc xỉu", category: "coffee", price: 32000 },
  { sku: "CF-MUOI", name: "Cà phê muối", category: "coffee", price: 35000 },
  { sku: "TEA-DAO", name: "Trà đào cam sả", category: "tea", price: 39000 },
  { sku: "TEA-VAI", name: "Trà vải", category: "tea", price: 39000 },
  { sku: "TEA-SUA", name: "Trà sữa trân châu", category: "tea", price: 35000 },
  { sku: "BM-THIT", name: "Bánh mì thịt", category: "food", price: 25000 },
  { sku: "BM-TRUNG", name: "Bánh mì ốp la", category: "food", price: 22000 },
  { sku: "BB-THIT", name: "Bánh bao, nhân thịt", category: "food", price: 18000 },
  { sku: "CROISSANT", name: "Bánh sừng bò", category: "bakery", price: 28000 },
  { sku: "TIRAMISU", name: "Bánh tiramisu", category: "bakery", price: 39000 },
  { sku: "WATER", name: "Nước suối", category: "drinks", price: 10000 },
  { sku: "SNACK-KHOAI", name: "Snack khoai tây", category: "snacks", price: 15000 },
];

/** Pairs that sell together in the demo history (so "frequently bought together" has something to find). */
export const DEMO_PAIRS: [string, string][] = [
  ["CF-SUADA", "BM-THIT"],
  ["CF-DEN", "BM-TRUNG"],
  ["TEA-DAO", "TIRAMISU"],
  ["CF-BACXIU", "CROISSANT"],
];
