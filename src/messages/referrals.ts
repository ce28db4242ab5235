/** What the bot says about referrals ("refer a friend"), vi and en. Handlers pass plain data; the words live here. */
import type { ChatChannel, Fmt } from "./copy.ts";
import { formatMoney, formatPoints, type Lang } from "./render.ts";

export type RefusalReasonText = "self_referral" | "existing_member" | "already_referred" | "referrer_cap";

export interface InviteInfo {
  code: string;
  welcomePoints: number;
  referrerPoints: number;
  minOrderAmount: number;
  holdDays: number;
  joined: number;
  rewarded: number;
}

export interface ReferralCopy {
  shareButton: string;
  /** The text a Telegram share carries along with the link. */
  shareText(f: Fmt, i: InviteInfo): string;
  invite(f: Fmt, i: InviteInfo, channel: ChatChannel): string;
  disabled(): string;
  unknownCode(): string;
  welcome(f: Fmt, points: number, referrerPoints: number): string;
  refused(reason: RefusalReasonText): string;
}

const vi: ReferralCopy = {
  shareButton: "📨 Gửi lời mời cho bạn bè",
  shareText: (f, i) =>
    i.welcomePoints > 0
      ? `Tham gia thành viên cùng mình và nhận ngay ${formatPoints(i.welcomePoints, f.lang)} điểm!`
      : "Tham gia thành viên cùng mình nhé!",
  invite: (f, i, channel) => {
    const pts = (n: number) => formatPoints(n, f.lang);
    const order =
      i.minOrderAmount > 0 ? `đơn đầu tiên từ ${formatMoney(i.minOrderAmount, f.currency, f.lang)}` : "đơn đầu tiên";
    const lines = [
      "Dạ, giới thiệu bạn bè để cùng nhận điểm nhé!",
      `• Bạn của bạn nhận ${pts(i.welcomePoints)} điểm khi tham gia qua lời mời.`,
      `• Bạn nhận ${pts(i.referrerPoints)} điểm khi ${order} của bạn ấy qua ${i.holdDays} ngày đổi trả.`,
      `Mã giới thiệu của bạn: ${i.code}`,
    ];
    if (channel === "telegram") lines.push('Bấm "Gửi lời mời cho bạn bè" để chia sẻ đường link.');
    else lines.push(`Bạn bè nhắn "ref ${i.code}" cho cửa hàng trên Zalo hoặc quét mã QR trên thẻ thành viên của bạn.`);
    if (i.joined > 0) lines.push(`Đã có ${i.joined} người tham gia nhờ bạn, ${i.rewarded} lần bạn đã được thưởng.`);
    return lines.join("\n");
  },
  disabled: () => "Dạ, cửa hàng hiện chưa có chương trình giới thiệu bạn bè ạ.",
  unknownCode: () => "Dạ, mã giới thiệu này không đúng. Bạn kiểm tra lại với người đã mời bạn nhé.",
  welcome: (f, points, referrerPoints) =>
    points > 0
      ? `🎉 Dạ, chào mừng bạn! Bạn được tặng ${formatPoints(points, f.lang)} điểm vì tham gia qua lời giới thiệu.` +
        (referrerPoints > 0 ? " Người giới thiệu sẽ được thưởng sau đơn hàng đầu tiên của bạn." : "")
      : "🎉 Dạ, chào mừng bạn! Lời giới thiệu đã được ghi nhận.",
  refused: (reason) =>
    ({
      self_referral: "Dạ, bạn không thể dùng mã giới thiệu của chính mình ạ.",
      existing_member: "Dạ, quà giới thiệu chỉ dành cho khách mới của cửa hàng. Bạn vẫn tích điểm như bình thường nhé.",
      already_referred:
        "Dạ, bạn đã được giới thiệu bởi một người khác rồi ạ (mỗi thành viên chỉ có một người giới thiệu).",
      referrer_cap: "Dạ, người giới thiệu đã đạt số lượt mời tối đa trong kỳ này nên lời mời không được tính ạ.",
    })[reason],
};

const en: ReferralCopy = {
  shareButton: "📨 Invite a friend",
  shareText: (f, i) =>
    i.welcomePoints > 0
      ? `Join the loyalty program with me and get ${formatPoints(i.welcomePoints, f.lang)} points right away!`
      : "Join the loyalty program with me!",
  invite: (f, i, channel) => {
    const pts = (n: number) => formatPoints(n, f.lang);
    const order =
      i.minOrderAmount > 0
        ? `first order of ${formatMoney(i.minOrderAmount, f.currency, f.lang)} or more`
        : "first order";
    const lines = [
      "Refer a friend and you both get points!",
      `• Your friend gets ${pts(i.welcomePoints)} pts for joining through your invitation.`,
      `• You get ${pts(i.referrerPoints)} pts once their ${order} is past the ${i.holdDays}-day return window.`,
      `Your referral code: ${i.code}`,
    ];
    if (channel === "telegram") lines.push('Tap "Invite a friend" to share your link.');
    else lines.push(`Friends send "ref ${i.code}" to the shop on Zalo, or scan the QR on your loyalty card.`);
    if (i.joined > 0) lines.push(`${i.joined} joined through you so far; you were rewarded ${i.rewarded} times.`);
    return lines.join("\n");
  },
  disabled: () => "The shop has no refer-a-friend program at the moment.",
  unknownCode: () => "That referral code is not valid. Please check it with the friend who invited you.",
  welcome: (f, points, referrerPoints) =>
    points > 0
      ? `🎉 Welcome! You got ${formatPoints(points, f.lang)} points for joining through a referral.` +
        (referrerPoints > 0 ? " Your friend is rewarded after your first order." : "")
      : "🎉 Welcome! Your referral is recorded.",
  refused: (reason) =>
    ({
      self_referral: "You cannot use your own referral code.",
      existing_member: "The referral gift is for customers new to the shop. You keep earning points as usual.",
      already_referred: "Someone else referred you already (one referrer per member).",
      referrer_cap: "Your friend has reached this period's invitation limit, so this referral does not count.",
    })[reason],
};

export function referralCopy(lang: Lang): ReferralCopy {
  return lang === "en" ? en : vi;
}
