/**
 * The consent wording members are shown, per language. Each consent event stores the exact text shown, so a later
 * change of these strings never rewrites what a member agreed to.
 */
export type WordingLang = "vi" | "en";

export const CONSENT_WORDING = {
  /** Shown with the link reply: what linking a chat means for the member's data (the loyalty terms). */
  loyaltyTerms: {
    vi: "Khi liên kết trò chuyện này, bạn tham gia chương trình thành viên của cửa hàng: cửa hàng lưu số điện thoại, tên, ngày sinh, đơn hàng và điểm của bạn để vận hành chương trình. Gõ /mydata để xem dữ liệu cửa hàng lưu, /deleteme để xoá.",
    en: "By linking this chat you join the shop's loyalty programme: the shop keeps your phone number, name, birthday, orders and points to run it. Send /mydata to see what is held, /deleteme to erase it.",
  },
  /** Linking turns promotions on (the campaigns spec); this question lets the member say no at once. */
  marketingQuestion: {
    vi: "Liên kết cũng bật tin ưu đãi và khuyến mãi của cửa hàng qua trò chuyện này. Bạn có muốn tiếp tục nhận không? Bạn đổi ý bất cứ lúc nào: /stop để ngừng, /start để nhận lại.",
    en: "Linking also turns on the shop's offers and promotions in this chat. Would you like to keep receiving them? You can change your mind any time: /stop to stop, /start to receive them again.",
  },
  /** Strict opt-in (program `consentMode: "explicit"`): linking turns nothing on; the member is asked. */
  marketingAsk: {
    vi: "Bạn có muốn nhận tin ưu đãi và khuyến mãi của cửa hàng qua trò chuyện này không? Cửa hàng chỉ gửi khi bạn đồng ý. Bạn đổi ý bất cứ lúc nào: /stop để ngừng.",
    en: "Would you like to receive the shop's offers and promotions in this chat? The shop sends them only if you say yes. You can change your mind any time: /stop to stop.",
  },
  /** `/stop` (or the Stop button): withdrawal of marketing consent. */
  stopCommand: {
    vi: "/stop — ngừng nhận tin ưu đãi (/start để nhận lại)",
    en: "/stop — stop promotional messages (/start to opt back in)",
  },
  /** `/start` again (or the button): marketing consent given again. */
  startCommand: {
    vi: "/start — nhận lại tin ưu đãi từ cửa hàng (/stop để ngừng)",
    en: "/start — receive the shop's promotions again (/stop to stop)",
  },
  /** Unfollowing the shop's Zalo Official Account: recorded as withdrawal of marketing consent. */
  oaUnfollow: {
    vi: "Bỏ quan tâm Zalo Official Account của cửa hàng — ngừng nhận tin ưu đãi",
    en: "Unfollowed the shop's Zalo Official Account — no more promotional messages",
  },
} as const satisfies Record<string, Record<WordingLang, string>>;

export function wording(key: keyof typeof CONSENT_WORDING, lang: string): string {
  return CONSENT_WORDING[key][lang === "en" ? "en" : "vi"];
}
