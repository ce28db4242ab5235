/** Vietnamese copy (the default): short, warm and polite ("Dạ", "bạn"). */
import type { ChatChannel, Copy, Fmt, HistoryLine, WhyPointsInfo } from "./copy.ts";
import { questionsVi } from "./questions.ts";
import {
  formatMultiplier,
  formatDate,
  formatDateTime,
  formatMoney,
  formatPoints,
  formatSignedPoints,
} from "./render.ts";

const KIND: Record<string, string> = {
  earn: "Tích điểm",
  redeem: "Đổi quà",
  refund: "Hoàn đơn",
  expire: "Hết hạn",
  adjust: "Điều chỉnh",
  bonus: "Thưởng",
};

const hello = (name: string | undefined) => (name ? `Chào ${name}! ` : "Chào bạn! ");

function howToLink(channel: ChatChannel): string {
  const lines = [
    "Cách liên kết thẻ thành viên:",
    "• Nhập mã liên kết 8 ký tự in trên hoá đơn hoặc do nhân viên đưa (ví dụ: ACDE3479).",
  ];
  if (channel === "telegram")
    lines.push('• Hoặc bấm nút "Chia sẻ số điện thoại" bên dưới để dùng số điện thoại Telegram của chính bạn.');
  else lines.push("• Chưa có mã? Bạn nhờ nhân viên tại quầy tạo mã nhé.");
  return lines.join("\n");
}

function whyText(f: Fmt, w: NonNullable<HistoryLine["why"]>[number]): string {
  const x = `x${formatMultiplier(w.multiplier, f.lang)}`;
  if (w.kind === "tier") return `hạng ${w.label} ${x}`;
  if (w.kind === "plan") return `gói ${w.label} ${x}`;
  if (w.kind === "event") return w.label;
  return `${x} ${w.label}`;
}

function whyPointsText(f: Fmt, w: WhyPointsInfo): string {
  const pts = (n: number) => formatPoints(n, f.lang);
  const lines = [
    `Dạ, đơn ${w.externalId} (${formatMoney(w.total, f.currency, f.lang)}) được ${pts(w.earned)} điểm:`,
    `• Điểm cơ bản: ${pts(w.base)}`,
  ];
  if (w.why.length) lines.push(`• Hệ số: ${w.why.map((x) => whyText(f, x)).join(", ")} → ${pts(w.earn)} điểm`);
  if (w.bonus > 0) lines.push(`• Thưởng ${w.events.join(", ")}: +${pts(w.bonus)} điểm`);
  for (const b of w.offerBonuses) lines.push(`• Ưu đãi ${b.code}: +${pts(b.points)} điểm`);
  if (w.cashback > 0) lines.push(`• Tiền tích luỹ: ${formatMoney(w.cashback, f.currency, f.lang)}`);
  if (w.reversed > 0) lines.push(`• Hoàn đơn: −${pts(w.reversed)} điểm`);
  return lines.join("\n");
}

function historyLine(f: Fmt, l: HistoryLine): string {
  const head = `${formatDate(l.at, f.lang, f.timeZone)} · ${formatSignedPoints(l.points, f.lang)} điểm`;
  const parts: string[] = [];
  if (l.order) {
    const order = `Đơn ${l.order.externalId} · ${formatMoney(l.order.total, f.currency, f.lang)}`;
    parts.push(l.kind === "earn" ? order : `${KIND[l.kind] ?? l.kind} · ${order}`);
  } else {
    const reason = l.reason && l.kind !== "earn" ? ` (${l.reason})` : "";
    parts.push(`${KIND[l.kind] ?? l.kind}${reason}`);
  }
  if (l.offerCode) parts.push(`ưu đãi ${l.offerCode}`);
  if (l.why?.length) parts.push(l.why.map((w) => whyText(f, w)).join(", "));
  return [head, ...parts].join(" · ");
}

export const vi: Copy = {
  lang: "vi",
  buttons: {
    points: "⭐ Điểm của tôi",
    history: "📜 Lịch sử",
    rewards: "🎁 Đổi quà",
    vouchers: "🎟 Voucher của tôi",
    offers: "✨ Ưu đãi",
    help: "❓ Trợ giúp",
    language: "🌐 English",
    vi: "🇻🇳 Tiếng Việt",
    en: "🇬🇧 English",
    confirm: "✅ Xác nhận đổi",
    cancel: "Huỷ",
    more: "Xem thêm ›",
    shareContact: "📱 Chia sẻ số điện thoại",
    stop: "Ngừng nhận ưu đãi",
    start: "Nhận lại ưu đãi",
    card: "💳 Thẻ thành viên",
    redeem: (name, cost) => `${name} · ${cost} điểm`,
    claim: (i) => `Nhận ưu đãi ${i}`,
  },
  commands: [
    { command: "start", description: "Bắt đầu / liên kết thẻ thành viên" },
    { command: "points", description: "Xem điểm và hạng thành viên" },
    { command: "history", description: "Lịch sử tích và đổi điểm" },
    { command: "rewards", description: "Danh sách quà và đổi điểm" },
    { command: "vouchers", description: "Voucher bạn đang có" },
    { command: "offers", description: "Ưu đãi dành riêng cho bạn" },
    { command: "language", description: "Đổi ngôn ngữ (vi / en)" },
    { command: "stop", description: "Ngừng nhận tin ưu đãi" },
    { command: "help", description: "Trợ giúp" },
  ],

  welcomeUnlinked: (channel) =>
    `Dạ, chào bạn! Mình là trợ lý thành viên của cửa hàng: xem điểm, đổi quà, nhận ưu đãi ngay trong chat.\n\n${howToLink(channel)}`,
  needLink: (channel) =>
    `Dạ, bạn chưa liên kết thẻ thành viên nên mình chưa xem được thông tin của bạn.\n\n${howToLink(channel)}`,
  linked: (name) =>
    `Dạ, liên kết thành công! ${hello(name)}Từ giờ bạn có thể xem điểm, đổi quà và nhận ưu đãi ngay tại đây.`,
  alreadyLinked: (name) => `Dạ, ${hello(name).trim()} Tài khoản này đã được liên kết rồi ạ.`,
  linkCodeInvalid: () =>
    "Dạ, mã liên kết không đúng, đã dùng hoặc đã hết hạn. Bạn kiểm tra lại hoặc nhờ nhân viên tạo mã mới nhé.",
  linkTooManyAttempts: () => "Dạ, bạn đã nhập sai mã nhiều lần. Bạn vui lòng thử lại sau ít phút nhé.",
  contactNotOwn: () =>
    'Dạ, mình chỉ liên kết được bằng số điện thoại của chính bạn. Bạn bấm nút "Chia sẻ số điện thoại" hoặc nhập mã liên kết nhé.',
  contactNoMember: () =>
    "Dạ, mình chưa tìm thấy thành viên nào với số điện thoại này. Bạn nhờ nhân viên đăng ký hoặc tạo mã liên kết giúp nhé.",
  contactInvalid: () => "Dạ, số điện thoại này không hợp lệ. Bạn nhập mã liên kết giúp mình nhé.",
  phoneTyped: (channel) =>
    `Dạ, vì an toàn, mình không liên kết tài khoản bằng số điện thoại nhập tay.\n\n${howToLink(channel)}`,
  welcomeBack: (name) => `Dạ, ${hello(name).trim()} Bạn muốn xem gì hôm nay?`,
  optedIn: () => "Dạ, bạn sẽ nhận lại tin ưu đãi từ cửa hàng. Gõ /stop bất cứ lúc nào để ngừng nhé.",
  optedOut: () =>
    "Dạ, bạn sẽ không nhận tin ưu đãi nữa (trên mọi kênh chat). Bạn vẫn xem điểm và đổi quà bình thường. Gõ /start để nhận lại.",
  alreadyOptedOut: () => "Dạ, bạn đã ngừng nhận tin ưu đãi rồi ạ. Gõ /start nếu muốn nhận lại.",

  points: (f, p) => {
    const lines = [`Dạ, bạn đang có ${formatPoints(p.balance, f.lang)} điểm.`];
    if (p.pending > 0) lines.push(`Đang chờ xác nhận: ${formatPoints(p.pending, f.lang)} điểm.`);
    if (p.tier) lines.push(`Hạng thành viên: ${p.tier}.`);
    if (p.nextTier) {
      lines.push(
        p.nextTier.spendNeeded > 0
          ? `Chi tiêu thêm ${formatMoney(p.nextTier.spendNeeded, f.currency, f.lang)} để lên hạng ${p.nextTier.name}.`
          : `Bạn đã đủ điều kiện lên hạng ${p.nextTier.name}.`,
      );
    }
    if (p.expiring && p.expiring.points > 0) {
      lines.push(
        `${formatPoints(p.expiring.points, f.lang)} điểm sẽ hết hạn từ ${formatDate(p.expiring.firstExpiry, f.lang, f.timeZone)} — bạn nhớ dùng sớm nhé.`,
      );
    } else {
      lines.push("Không có điểm nào hết hạn trong 30 ngày tới.");
    }
    if (p.credit && p.credit > 0)
      lines.push(`Tiền tích luỹ (store credit): ${formatMoney(p.credit, f.currency, f.lang)}.`);
    if (p.subscription)
      lines.push(
        `Gói thành viên: ${p.subscription.name} (đến ${formatDate(p.subscription.endsAt, f.lang, f.timeZone)}).`,
      );
    if (p.perks?.length) lines.push(`Đặc quyền của bạn: ${p.perks.join("; ")}.`);
    return lines.join("\n");
  },
  history: (f, lines) => ["Dạ, các giao dịch điểm gần đây của bạn:", ...lines.map((l) => historyLine(f, l))].join("\n"),
  whyPoints: (f, w) => whyPointsText(f, w),
  whyPointsNone: (id) =>
    id ? `Dạ, mình không tìm thấy đơn ${id} của bạn.` : "Dạ, bạn chưa có đơn hàng nào được tích điểm.",
  historyEmpty: () => "Dạ, bạn chưa có giao dịch điểm nào. Mua hàng và báo số điện thoại tại quầy để tích điểm nhé.",
  rewards: (f, lines, balance, page) => {
    const head =
      page.from === 0
        ? `Dạ, đây là các quà bạn có thể đổi (bạn có ${formatPoints(balance, f.lang)} điểm):`
        : "Dạ, thêm các quà khác:";
    const body = lines.map((r, i) => {
      const status = r.soldOut
        ? " — tạm hết"
        : r.minTier
          ? ` — hạng ${r.minTier} trở lên`
          : r.affordable
            ? ""
            : " — chưa đủ điểm";
      return `${page.from + i + 1}. ${r.name}: ${formatPoints(r.cost, f.lang)} điểm${status}`;
    });
    return [head, ...body, "", "Bấm vào quà để đổi."].join("\n");
  },
  rewardsEmpty: () => "Dạ, hiện cửa hàng chưa có quà để đổi. Bạn quay lại sau nhé.",
  redeemConfirm: (f, r) =>
    `Dạ, bạn xác nhận đổi "${r.name}" với ${formatPoints(r.cost, f.lang)} điểm? Sau khi đổi bạn còn ${formatPoints(r.balanceAfter, f.lang)} điểm.`,
  redeemNotEnough: (f, r) =>
    `Dạ, "${r.name}" cần ${formatPoints(r.cost, f.lang)} điểm, bạn đang có ${formatPoints(r.balance, f.lang)} điểm. Bạn tích thêm ${formatPoints(r.cost - r.balance, f.lang)} điểm nữa là đổi được nhé.`,
  redeemDone: (f, r) =>
    [
      `🎉 Dạ, đổi quà thành công: ${r.name}.`,
      `Mã của bạn: ${r.code}`,
      r.expiresAt
        ? `Dùng trước ngày ${formatDate(r.expiresAt, f.lang, f.timeZone)}. ` +
          "Bạn đưa mã này cho nhân viên khi thanh toán nhé."
        : "Bạn đưa mã này cho nhân viên khi thanh toán nhé.",
      `Điểm còn lại: ${formatPoints(r.balance, f.lang)}.`,
    ].join("\n"),
  redeemOutOfStock: (name) => `Dạ, rất tiếc "${name}" vừa hết hàng. Bạn chọn quà khác nhé.`,
  redeemTierRequired: (name, minTier) =>
    `Dạ, "${name}" dành cho thành viên hạng ${minTier} trở lên. Bạn chọn quà khác nhé.`,
  rewardGone: () => "Dạ, quà này không còn nữa. Bạn xem danh sách quà mới nhé.",
  cancelled: () => "Dạ, mình đã huỷ. Bạn cần gì cứ nhắn mình nhé.",
  vouchers: (f, lines) =>
    [
      "Dạ, các voucher bạn đang có:",
      ...lines.map(
        (v) =>
          `• ${v.code} — ${v.offer ? "Ưu đãi: " : ""}${v.name}${v.expiresAt ? ` (HSD ${formatDate(v.expiresAt, f.lang, f.timeZone)})` : ""}`,
      ),
      "",
      "Bạn đưa mã cho nhân viên khi thanh toán nhé.",
    ].join("\n"),
  vouchersEmpty: () => "Dạ, bạn chưa có voucher nào. Bạn có thể đổi điểm lấy quà trong mục Đổi quà.",
  offers: (f, lines) =>
    [
      "Dạ, ưu đãi dành riêng cho bạn:",
      ...lines.map(
        (o, i) => `${i + 1}. ${o.text}${o.expiresAt ? ` (đến ${formatDate(o.expiresAt, f.lang, f.timeZone)})` : ""}`,
      ),
    ].join("\n"),
  offersNone: () => "Dạ, hiện chưa có ưu đãi riêng nào cho bạn. Mình sẽ báo ngay khi có nhé!",
  offerClaimed: (f, o) =>
    `🎉 Dạ, bạn đã nhận ưu đãi! Mã: ${o.code}\nDùng trước ${formatDateTime(o.expiresAt, f.lang, f.timeZone)}. Bạn đưa mã cho nhân viên khi thanh toán nhé.`,
  offerGone: () => "Dạ, ưu đãi này đã hết hạn hoặc không còn. Bạn xem các ưu đãi khác nhé.",
  languageAsk: () => "Dạ, bạn muốn dùng ngôn ngữ nào?",
  languageSet: () => "Dạ, mình sẽ trả lời bằng tiếng Việt.",
  help: (channel) =>
    [
      "Dạ, mình có thể giúp bạn:",
      "/points — xem điểm, hạng và điểm sắp hết hạn",
      "/history — lịch sử tích và đổi điểm",
      "/rewards — đổi điểm lấy quà",
      "/vouchers — voucher bạn đang có",
      "/offers — ưu đãi dành riêng cho bạn",
      "/invite — giới thiệu bạn bè, cùng nhận điểm",
      "/language en — switch to English",
      "/stop — ngừng nhận tin ưu đãi (/start để nhận lại)",
      channel === "zalo" || channel === "zalo_oa"
        ? 'Bạn cũng có thể nhắn tự nhiên, ví dụ: "điểm của tôi", hoặc trả lời bằng số khi mình đưa lựa chọn.'
        : 'Bạn cũng có thể nhắn tự nhiên, ví dụ: "điểm của tôi".',
    ].join("\n"),
  thanks: () => "Dạ, không có gì ạ! Bạn cần gì cứ nhắn mình nhé.",
  unknown: () => "Dạ, mình chưa hiểu ý bạn. Bạn chọn một mục bên dưới hoặc gõ /help nhé.",
  slowDown: () =>
    "Dạ, bạn nhắn hơi nhanh, mình xin phép nghỉ một chút. Bạn thử lại sau khoảng một phút nhé (các lệnh như /points vẫn dùng được).",
  notConfigured: () => "Dạ, cửa hàng chưa hoàn tất cài đặt chương trình thành viên. Bạn quay lại sau nhé.",
  error: () => "Dạ, có lỗi nhỏ xảy ra. Bạn thử lại sau giây lát nhé.",
  choicesIntro: () => "Trả lời bằng số để chọn:",
  choiceExpired: () => "Dạ, lựa chọn này đã hết hạn. Bạn gõ /help để xem các mục nhé.",
  ...questionsVi,
};
