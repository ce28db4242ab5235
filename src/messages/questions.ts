/**
 * Copy for the template answers to free-text questions ("what can I get for my points?", "when do my points
 * expire?", "how do I reach Gold?"), in both languages. Figures come from the database; the copy only words them.
 */
import type { Copy, Fmt } from "./copy.ts";
import { formatDate, formatMoney, formatPoints } from "./render.ts";

type QuestionCopy = Pick<Copy, "rewardsAffordable" | "expirySchedule" | "tierProgress">;

const pts = (f: Fmt, n: number) => formatPoints(n, f.lang);
const money = (f: Fmt, n: number) => formatMoney(n, f.currency, f.lang);
const day = (f: Fmt, d: Date) => formatDate(d, f.lang, f.timeZone);

export const questionsVi: QuestionCopy = {
  rewardsAffordable: (f, a) => {
    if (a.noRewards) return "Dạ, hiện cửa hàng chưa có quà để đổi. Bạn quay lại sau nhé.";
    const lines =
      a.affordable.length > 0
        ? [
            `Dạ, với ${pts(f, a.balance)} điểm bạn đổi được ngay:`,
            ...a.affordable.map((r) => `• ${r.name}: ${pts(f, r.cost)} điểm`),
          ]
        : [`Dạ, bạn đang có ${pts(f, a.balance)} điểm, chưa đủ để đổi quà nào.`];
    if (a.moreAffordable > 0) lines.push(`… và ${a.moreAffordable} quà khác (bấm Đổi quà để xem hết).`);
    if (a.next)
      lines.push(
        `Quà tiếp theo: ${a.next.name} (${pts(f, a.next.cost)} điểm) — bạn cần thêm ${pts(f, a.next.needed)} điểm.`,
      );
    return lines.join("\n");
  },
  expirySchedule: (f, e) => {
    if (e.total <= 0) return "Dạ, bạn chưa có điểm nào nên không có điểm sắp hết hạn.";
    if (e.dates.length === 0) return `Dạ, ${pts(f, e.total)} điểm của bạn không có hạn sử dụng.`;
    const lines = [
      `Dạ, lịch hết hạn ${pts(f, e.total)} điểm của bạn:`,
      ...e.dates.map((d) => `• ${day(f, d.date)}: ${pts(f, d.points)} điểm`),
    ];
    if (e.later > 0) lines.push(`• Sau đó: ${pts(f, e.later)} điểm`);
    if (e.never > 0) lines.push(`• Không hết hạn: ${pts(f, e.never)} điểm`);
    lines.push("Điểm cũ được dùng trước khi bạn đổi quà.");
    return lines.join("\n");
  },
  tierProgress: (f, t) => {
    if (t.noTiers) return "Dạ, chương trình của cửa hàng hiện chưa có hạng thành viên.";
    const spent = `Hạng được tính theo chi tiêu trong ${t.windowDays} ngày gần nhất (bạn đã chi ${money(f, t.spend)}).`;
    const lines: string[] = [];
    if (t.alreadyAt) lines.push(`Dạ, bạn đã đạt hạng ${t.alreadyAt} rồi ạ.`);
    else if (t.current) lines.push(`Dạ, hạng hiện tại của bạn: ${t.current}.`);
    if (t.target)
      lines.push(
        t.target.spendNeeded > 0
          ? `Để lên hạng ${t.target.name} (từ ${money(f, t.target.minSpend)}), bạn chi tiêu thêm ${money(f, t.target.spendNeeded)}.`
          : `Bạn đã đủ điều kiện lên hạng ${t.target.name}; hạng sẽ được cập nhật sớm.`,
      );
    else if (!t.alreadyAt) lines.push("Bạn đang ở hạng cao nhất rồi ạ.");
    lines.push(spent);
    return lines.join("\n");
  },
};

export const questionsEn: QuestionCopy = {
  rewardsAffordable: (f, a) => {
    if (a.noRewards) return "There are no rewards to redeem right now. Please check back later.";
    const lines =
      a.affordable.length > 0
        ? [
            `With ${pts(f, a.balance)} points you can get right now:`,
            ...a.affordable.map((r) => `• ${r.name}: ${pts(f, r.cost)} pts`),
          ]
        : [`You have ${pts(f, a.balance)} points — not enough for a reward yet.`];
    if (a.moreAffordable > 0) lines.push(`… and ${a.moreAffordable} more (tap Rewards to see them all).`);
    if (a.next)
      lines.push(
        `Next reward: ${a.next.name} (${pts(f, a.next.cost)} pts) — ${pts(f, a.next.needed)} more points needed.`,
      );
    return lines.join("\n");
  },
  expirySchedule: (f, e) => {
    if (e.total <= 0) return "You have no points yet, so nothing is about to expire.";
    if (e.dates.length === 0) return `Your ${pts(f, e.total)} points don't expire.`;
    const lines = [
      `When your ${pts(f, e.total)} points expire:`,
      ...e.dates.map((d) => `• ${day(f, d.date)}: ${pts(f, d.points)} pts`),
    ];
    if (e.later > 0) lines.push(`• Later: ${pts(f, e.later)} pts`);
    if (e.never > 0) lines.push(`• Never: ${pts(f, e.never)} pts`);
    lines.push("Your oldest points are used first when you redeem.");
    return lines.join("\n");
  },
  tierProgress: (f, t) => {
    if (t.noTiers) return "The shop's program has no membership tiers at the moment.";
    const spent = `Tiers count what you spent in the last ${t.windowDays} days (${money(f, t.spend)} so far).`;
    const lines: string[] = [];
    if (t.alreadyAt) lines.push(`You're already ${t.alreadyAt}.`);
    else if (t.current) lines.push(`Your tier: ${t.current}.`);
    if (t.target)
      lines.push(
        t.target.spendNeeded > 0
          ? `To reach ${t.target.name} (from ${money(f, t.target.minSpend)}), spend ${money(f, t.target.spendNeeded)} more.`
          : `You qualify for ${t.target.name}; your tier will be updated shortly.`,
      );
    else if (!t.alreadyAt) lines.push("You're at the top tier.");
    lines.push(spent);
    return lines.join("\n");
  },
};
