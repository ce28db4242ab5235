/** English copy (on request: /language en). */
import type { ChatChannel, Copy, Fmt, HistoryLine, WhyPointsInfo } from "./copy.ts";
import { questionsEn } from "./questions.ts";
import {
  formatMultiplier,
  formatDate,
  formatDateTime,
  formatMoney,
  formatPoints,
  formatSignedPoints,
} from "./render.ts";

const KIND: Record<string, string> = {
  earn: "Earned",
  redeem: "Redeemed",
  refund: "Refund",
  expire: "Expired",
  adjust: "Adjustment",
  bonus: "Bonus",
};

const hi = (name: string | undefined) => (name ? `Hi ${name}!` : "Hi!");

function howToLink(channel: ChatChannel): string {
  const lines = [
    "How to link your membership:",
    "• Type the 8-character link code printed on your receipt or given by our staff (e.g. ACDE3479).",
  ];
  if (channel === "telegram")
    lines.push('• Or tap "Share my phone number" below to use your own Telegram phone number.');
  else lines.push("• No code yet? Ask our staff at the counter to create one for you.");
  return lines.join("\n");
}

function whyText(f: Fmt, w: NonNullable<HistoryLine["why"]>[number]): string {
  const x = `x${formatMultiplier(w.multiplier, f.lang)}`;
  if (w.kind === "tier") return `${w.label} tier ${x}`;
  if (w.kind === "plan") return `${w.label} plan ${x}`;
  if (w.kind === "event") return w.label;
  return `${x} ${w.label}`;
}

function whyPointsText(f: Fmt, w: WhyPointsInfo): string {
  const pts = (n: number) => formatPoints(n, f.lang);
  const lines = [
    `Order ${w.externalId} (${formatMoney(w.total, f.currency, f.lang)}) earned you ${pts(w.earned)} pts:`,
    `• Base points: ${pts(w.base)}`,
  ];
  if (w.why.length) lines.push(`• Multipliers: ${w.why.map((x) => whyText(f, x)).join(", ")} → ${pts(w.earn)} pts`);
  if (w.bonus > 0) lines.push(`• Bonus ${w.events.join(", ")}: +${pts(w.bonus)} pts`);
  for (const b of w.offerBonuses) lines.push(`• Offer ${b.code}: +${pts(b.points)} pts`);
  if (w.cashback > 0) lines.push(`• Store credit: ${formatMoney(w.cashback, f.currency, f.lang)}`);
  if (w.reversed > 0) lines.push(`• Refunded: −${pts(w.reversed)} pts`);
  return lines.join("\n");
}

function historyLine(f: Fmt, l: HistoryLine): string {
  const head = `${formatDate(l.at, f.lang, f.timeZone)} · ${formatSignedPoints(l.points, f.lang)} pts`;
  const parts: string[] = [];
  if (l.order) {
    const order = `Order ${l.order.externalId} · ${formatMoney(l.order.total, f.currency, f.lang)}`;
    parts.push(l.kind === "earn" ? order : `${KIND[l.kind] ?? l.kind} · ${order}`);
  } else {
    const reason = l.reason && l.kind !== "earn" ? ` (${l.reason})` : "";
    parts.push(`${KIND[l.kind] ?? l.kind}${reason}`);
  }
  if (l.offerCode) parts.push(`offer ${l.offerCode}`);
  if (l.why?.length) parts.push(l.why.map((w) => whyText(f, w)).join(", "));
  return [head, ...parts].join(" · ");
}

export const en: Copy = {
  lang: "en",
  buttons: {
    points: "⭐ My points",
    history: "📜 History",
    rewards: "🎁 Rewards",
    vouchers: "🎟 My vouchers",
    offers: "✨ Offers",
    help: "❓ Help",
    language: "🌐 Tiếng Việt",
    vi: "🇻🇳 Tiếng Việt",
    en: "🇬🇧 English",
    confirm: "✅ Confirm",
    cancel: "Cancel",
    more: "More ›",
    shareContact: "📱 Share my phone number",
    stop: "Stop promotions",
    start: "Get promotions again",
    card: "💳 My card",
    redeem: (name, cost) => `${name} · ${cost} pts`,
    claim: (i) => `Claim offer ${i}`,
  },
  commands: [
    { command: "start", description: "Start / link your membership" },
    { command: "points", description: "Your points and tier" },
    { command: "history", description: "Points history" },
    { command: "rewards", description: "Rewards catalog and redeeming" },
    { command: "vouchers", description: "Your vouchers" },
    { command: "offers", description: "Offers picked for you" },
    { command: "language", description: "Change language (vi / en)" },
    { command: "stop", description: "Stop promotional messages" },
    { command: "help", description: "Help" },
  ],

  welcomeUnlinked: (channel) =>
    `Hi there! I'm the shop's membership assistant: check your points, redeem rewards and get offers right here in chat.\n\n${howToLink(channel)}`,
  needLink: (channel) =>
    `Your membership isn't linked to this chat yet, so I can't show your details.\n\n${howToLink(channel)}`,
  linked: (name) =>
    `Linked! ${hi(name)} From now on you can check your points, redeem rewards and get offers right here.`,
  alreadyLinked: (name) => `${hi(name)} This chat is already linked to your membership.`,
  linkCodeInvalid: () =>
    "That link code is wrong, already used or expired. Please check it or ask our staff for a new one.",
  linkTooManyAttempts: () => "Too many wrong codes. Please try again in a few minutes.",
  contactNotOwn: () =>
    'I can only link with your own phone number. Tap "Share my phone number" or type your link code.',
  contactNoMember: () =>
    "I couldn't find a member with this phone number. Please ask our staff to sign you up or to create a link code.",
  contactInvalid: () => "That phone number doesn't look valid. Please type your link code instead.",
  phoneTyped: (channel) => `For your safety, I don't link accounts from a typed phone number.\n\n${howToLink(channel)}`,
  welcomeBack: (name) => `${hi(name)} What would you like to do today?`,
  optedIn: () => "You'll receive our promotions again. Send /stop any time to opt out.",
  optedOut: () =>
    "You won't receive promotional messages any more (on every chat). You can still check points and redeem rewards. Send /start to opt back in.",
  alreadyOptedOut: () => "You've already opted out of promotions. Send /start to opt back in.",

  points: (f, p) => {
    const lines = [`You have ${formatPoints(p.balance, f.lang)} points.`];
    if (p.pending > 0) lines.push(`Pending: ${formatPoints(p.pending, f.lang)} points.`);
    if (p.tier) lines.push(`Tier: ${p.tier}.`);
    if (p.nextTier) {
      lines.push(
        p.nextTier.spendNeeded > 0
          ? `Spend ${formatMoney(p.nextTier.spendNeeded, f.currency, f.lang)} more to reach ${p.nextTier.name}.`
          : `You qualify for ${p.nextTier.name}.`,
      );
    }
    if (p.expiring && p.expiring.points > 0) {
      lines.push(
        `${formatPoints(p.expiring.points, f.lang)} points expire from ${formatDate(p.expiring.firstExpiry, f.lang, f.timeZone)} — use them soon.`,
      );
    } else {
      lines.push("No points expire in the next 30 days.");
    }
    if (p.credit && p.credit > 0) lines.push(`Store credit: ${formatMoney(p.credit, f.currency, f.lang)}.`);
    if (p.subscription)
      lines.push(
        `Membership plan: ${p.subscription.name} (until ${formatDate(p.subscription.endsAt, f.lang, f.timeZone)}).`,
      );
    if (p.perks?.length) lines.push(`Your perks: ${p.perks.join("; ")}.`);
    return lines.join("\n");
  },
  history: (f, lines) => ["Your recent points activity:", ...lines.map((l) => historyLine(f, l))].join("\n"),
  whyPoints: (f, w) => whyPointsText(f, w),
  whyPointsNone: (id) => (id ? `I couldn't find your order ${id}.` : "You have no orders with points yet."),
  historyEmpty: () => "No points activity yet. Give your phone number at the counter when you buy to earn points.",
  rewards: (f, lines, balance, page) => {
    const head =
      page.from === 0 ? `Here are the rewards (you have ${formatPoints(balance, f.lang)} points):` : "More rewards:";
    const body = lines.map((r, i) => {
      const status = r.soldOut
        ? " — sold out"
        : r.minTier
          ? ` — ${r.minTier} tier and up`
          : r.affordable
            ? ""
            : " — not enough points yet";
      return `${page.from + i + 1}. ${r.name}: ${formatPoints(r.cost, f.lang)} pts${status}`;
    });
    return [head, ...body, "", "Tap a reward to redeem it."].join("\n");
  },
  rewardsEmpty: () => "There are no rewards to redeem right now. Please check back later.",
  redeemConfirm: (f, r) =>
    `Redeem "${r.name}" for ${formatPoints(r.cost, f.lang)} points? You'll have ${formatPoints(r.balanceAfter, f.lang)} points left.`,
  redeemNotEnough: (f, r) =>
    `"${r.name}" needs ${formatPoints(r.cost, f.lang)} points and you have ${formatPoints(r.balance, f.lang)}. Earn ${formatPoints(r.cost - r.balance, f.lang)} more to redeem it.`,
  redeemDone: (f, r) =>
    [
      `🎉 Redeemed: ${r.name}.`,
      `Your code: ${r.code}`,
      r.expiresAt
        ? `Use it by ${formatDate(r.expiresAt, f.lang, f.timeZone)}. Show this code to our staff when you pay.`
        : "Show this code to our staff when you pay.",
      `Points left: ${formatPoints(r.balance, f.lang)}.`,
    ].join("\n"),
  redeemOutOfStock: (name) => `Sorry, "${name}" just ran out. Please pick another reward.`,
  redeemTierRequired: (name, minTier) => `"${name}" is for ${minTier} members and above. Please pick another reward.`,
  rewardGone: () => "That reward isn't available any more. Here is the current list.",
  cancelled: () => "Cancelled. Message me any time.",
  vouchers: (f, lines) =>
    [
      "Your vouchers:",
      ...lines.map(
        (v) =>
          `• ${v.code} — ${v.offer ? "Offer: " : ""}${v.name}${v.expiresAt ? ` (valid until ${formatDate(v.expiresAt, f.lang, f.timeZone)})` : ""}`,
      ),
      "",
      "Show the code to our staff when you pay.",
    ].join("\n"),
  vouchersEmpty: () => "You have no vouchers yet. You can redeem points for rewards under Rewards.",
  offers: (f, lines) =>
    [
      "Offers picked for you:",
      ...lines.map(
        (o, i) => `${i + 1}. ${o.text}${o.expiresAt ? ` (until ${formatDate(o.expiresAt, f.lang, f.timeZone)})` : ""}`,
      ),
    ].join("\n"),
  offersNone: () => "No personalised offers for you right now. I'll let you know when there are!",
  offerClaimed: (f, o) =>
    `🎉 Offer claimed! Code: ${o.code}\nUse it by ${formatDateTime(o.expiresAt, f.lang, f.timeZone)}. Show the code to our staff when you pay.`,
  offerGone: () => "That offer has expired or is no longer available. Have a look at the others.",
  languageAsk: () => "Which language would you like?",
  languageSet: () => "Got it — I'll reply in English.",
  help: (channel) =>
    [
      "Here's what I can do:",
      "/points — your points, tier and points expiring soon",
      "/history — points history",
      "/rewards — redeem points for rewards",
      "/vouchers — your vouchers",
      "/offers — offers picked for you",
      "/invite — refer a friend, both get points",
      "/language vi — chuyển sang tiếng Việt",
      "/stop — stop promotional messages (/start to opt back in)",
      channel === "zalo" || channel === "zalo_oa"
        ? 'You can also just write, e.g. "how many points do I have?", or reply with a number when I offer choices.'
        : 'You can also just write, e.g. "how many points do I have?"',
    ].join("\n"),
  thanks: () => "You're welcome! Message me any time.",
  unknown: () => "Sorry, I didn't get that. Pick an option below or send /help.",
  slowDown: () =>
    "You're sending messages a bit fast — let me catch my breath. Please try again in a minute (commands like /points still work).",
  notConfigured: () => "The shop hasn't finished setting up its membership program yet. Please check back later.",
  error: () => "Sorry, something went wrong. Please try again in a moment.",
  choicesIntro: () => "Reply with a number to choose:",
  choiceExpired: () => "That choice has expired. Send /help to see the options.",
  ...questionsEn,
};
