/**
 * The demo shop seeded on the first start of an empty embedded database: clearly labelled, deterministic,
 * with a program, rewards, members and ~60 days of order history going through the real order service.
 */
import type { Db } from "../db/types.ts";
import { rewards } from "../db/schema.ts";
import { newId } from "../lib/ids.ts";
import { createMerchant } from "../merchants/service.ts";
import { putProgram } from "../program/service.ts";
import { ProgramSchema } from "../program/config.ts";
import { createMember } from "../members/service.ts";
import { createOrder } from "../orders/service.ts";
import { redeem } from "../rewards/service.ts";
import { DEMO_CATALOG, DEMO_PAIRS } from "./catalog.ts";
import { createBundle } from "../offers/catalog.ts";
import { buildModel } from "../recs/build.ts";
import { mulberry32 } from "../lib/random.ts";

export const DEMO_NAME = "Cà Phê Phố (DEMO)";

const DEMO_MEMBERS = [
  { name: "Nguyễn Văn Hoa", phone: "0912345678", language: "vi" as const, birthday: "1990-11-25" },
  { name: "Trần Thị Mai", phone: "0987654321", language: "vi" as const, birthday: "1995-03-08" },
  { name: "Lê Minh Tuấn", phone: "0901112233", language: "vi" as const },
  { name: "Emily Carter", phone: "+6591234567", language: "en" as const },
  { name: "Phạm Quốc Bảo", phone: "0933445566", language: "vi" as const },
];

export async function seedDemo(
  db: Db,
  now: Date,
): Promise<{ merchantId: string; apiKey: string; memberIds: string[] }> {
  const { merchantId, apiKey } = await createMerchant(db, { name: DEMO_NAME, isDemo: true });
  await putProgram(
    db,
    merchantId,
    ProgramSchema.parse({
      currency: "VND",
      earn: { spend: 10000, points: 1 },
      pointsExpireDays: 365,
      tiers: [
        { name: "Đồng", minSpend: 0, multiplier: 1 },
        { name: "Bạc", minSpend: 1_000_000, multiplier: 1.25, perks: ["Miễn phí nâng size"] },
        { name: "Vàng", minSpend: 3_000_000, multiplier: 1.5, perks: ["Miễn phí nâng size", "Quà sinh nhật"] },
      ],
      categoryMultipliers: { coffee: 2 },
      birthdayBonus: { multiplier: 2, windowDays: 7 },
      cashback: { rate: 0.01, discountedRate: 0.005 },
      subscriptionPlans: [
        {
          id: "vip-month",
          name: "VIP tháng",
          price: 99000,
          periodDays: 30,
          multiplier: 1.2,
          perks: ["Giảm 10% mọi đơn"],
        },
      ],
      voucherValidDays: 30,
    }),
    now,
  );
  const freeCoffee = newId("rwd");
  await db.insert(rewards).values([
    {
      id: freeCoffee,
      merchantId,
      name: "Cà phê sữa đá miễn phí",
      cost: 30,
      kind: "product",
      value: 29000,
      sku: "CF-SUADA",
      createdAt: now,
    },
    { id: newId("rwd"), merchantId, name: "Voucher 50.000 ₫", cost: 80, kind: "voucher", value: 50000, createdAt: now },
    {
      id: newId("rwd"),
      merchantId,
      name: "Bánh tiramisu",
      cost: 45,
      kind: "product",
      value: 39000,
      sku: "TIRAMISU",
      stock: 20,
      createdAt: now,
    },
    {
      id: newId("rwd"),
      merchantId,
      name: "Ly giữ nhiệt Cà Phê Phố",
      cost: 300,
      kind: "perk",
      stock: 5,
      minTier: "Bạc",
      createdAt: now,
    },
  ]);

  const rand = mulberry32(20261123);
  const memberIds: string[] = [];
  for (const m of DEMO_MEMBERS) memberIds.push((await createMember(db, merchantId, m, now)).id);

  const bySku = new Map(DEMO_CATALOG.map((p) => [p.sku, p]));
  let n = 0;
  for (let day = 60; day >= 1; day--) {
    const ordersToday = 2 + Math.floor(rand() * 4);
    for (let k = 0; k < ordersToday; k++) {
      const basket = new Set<string>();
      if (rand() < 0.55) for (const s of DEMO_PAIRS[Math.floor(rand() * DEMO_PAIRS.length)]!) basket.add(s);
      const extra = 1 + Math.floor(rand() * 2);
      for (let e = 0; e < extra; e++) basket.add(DEMO_CATALOG[Math.floor(rand() * DEMO_CATALOG.length)]!.sku);
      // Member 2 (Mai) stops coming after day 20 ago, so the reactivation cohorts have someone in them.
      const who = Math.floor(rand() * (memberIds.length + 2));
      const memberId = who < memberIds.length && !(who === 1 && day < 20) ? memberIds[who] : undefined;
      const placedAt = new Date(now.getTime() - day * 86_400_000 + Math.floor(rand() * 12) * 3_600_000);
      n++;
      await createOrder(
        db,
        merchantId,
        {
          externalId: `DEMO-${String(n).padStart(5, "0")}`,
          memberId,
          channel: rand() < 0.8 ? "pos" : "online",
          placedAt: placedAt.toISOString(),
          items: [...basket].map((sku) => {
            const p = bySku.get(sku)!;
            return {
              sku,
              name: p.name,
              category: p.category,
              quantity: rand() < 0.2 ? 2 : 1,
              unitPrice: p.price,
              discount: 0,
            };
          }),
        },
        // Simulated history: the ledger sees each order when it happened, so charts and expiry look real.
        placedAt,
      );
    }
  }
  // A few members already treated themselves, so vouchers and redemption KPIs have something to show.
  for (const [k, memberId] of memberIds.slice(0, 3).entries()) {
    await redeem(
      db,
      merchantId,
      memberId,
      freeCoffee,
      new Date(now.getTime() - (5 + k * 7) * 86_400_000),
      `demo-redeem-${k}`,
    ).catch(() => undefined);
  }
  // Offers: a merchant combo, a tier-exclusive deal, and the co-purchase model built from the history above, so the
  // demo members get offers (GET /v1/members/{id}/offers, /offers in chat) right away.
  await createBundle(
    db,
    merchantId,
    { name: "Combo chiều", skus: ["TEA-DAO", "TIRAMISU"], discountPercent: 20, bonusPoints: 5 },
    now,
  );
  await createBundle(
    db,
    merchantId,
    { name: "Đặc quyền hạng Bạc", skus: ["CF-MUOI"], price: 25000, minTier: "Bạc" },
    now,
  );
  await buildModel(db, merchantId, now);
  return { merchantId, apiKey, memberIds };
}
