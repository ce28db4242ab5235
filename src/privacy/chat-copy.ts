/** What the chat says about personal data (consent question, /mydata, /deleteme), per language. */
import { wording } from "./wording.ts";

export interface PrivacyChatCopy {
  /** The question after a link (the link reply itself is the spec's, unchanged). */
  consentQuestion: string;
  /** The same question in strict opt-in mode (linking turned nothing on). */
  consentAsk: string;
  yes: string;
  no: string;
  consentKept: string;
  /** The reply to Yes in strict opt-in mode (promotions start now rather than continue). */
  consentGiven: string;
  myData(d: {
    name: boolean;
    phone: boolean;
    birthday: boolean;
    chats: number;
    orders: number;
    ledger: number;
    consents: number;
    memory: number;
  }): string;
  deleteAsk: string;
  deleteConfirm: string;
  deleteDone: string;
}

const vi: PrivacyChatCopy = {
  consentQuestion: `${wording("loyaltyTerms", "vi")}\n\n${wording("marketingQuestion", "vi")}`,
  consentAsk: `${wording("loyaltyTerms", "vi")}\n\n${wording("marketingAsk", "vi")}`,
  yes: "✅ Có, gửi ưu đãi cho tôi",
  no: "Không, cảm ơn",
  consentKept: "Dạ, bạn sẽ tiếp tục nhận ưu đãi. Gõ /stop bất cứ lúc nào để ngừng nhé.",
  consentGiven: "Dạ, cửa hàng sẽ gửi ưu đãi cho bạn. Gõ /stop bất cứ lúc nào để ngừng nhé.",
  myData: (d) =>
    [
      "Dữ liệu cửa hàng đang lưu về bạn:",
      `• Hồ sơ: ${[d.name && "tên", d.phone && "số điện thoại", d.birthday && "ngày sinh"].filter(Boolean).join(", ") || "không có thông tin nhận dạng"}`,
      `• ${d.chats} trò chuyện đã liên kết, ${d.orders} đơn hàng, ${d.ledger} giao dịch điểm`,
      `• ${d.consents} lần đồng ý/rút đồng ý, ${d.memory} lượt trò chuyện trong bộ nhớ trợ lý`,
      "Bản đầy đủ (JSON): bạn nhờ cửa hàng xuất giúp. Gõ /deleteme để xoá thông tin nhận dạng của bạn.",
    ].join("\n"),
  deleteAsk:
    "Xoá dữ liệu: cửa hàng sẽ xoá tên, số điện thoại, ngày sinh, các trò chuyện đã liên kết và bộ nhớ trò chuyện của bạn; bạn ngừng nhận ưu đãi. Số điểm và đơn hàng được giữ ẩn danh để sổ điểm khớp. Không thể hoàn tác. Bạn chắc chứ?",
  deleteConfirm: "🗑 Xoá dữ liệu của tôi",
  deleteDone:
    "Dạ, đã xoá thông tin nhận dạng của bạn và huỷ liên kết trò chuyện này. Cảm ơn bạn đã đồng hành cùng cửa hàng.",
};

const en: PrivacyChatCopy = {
  consentQuestion: `${wording("loyaltyTerms", "en")}\n\n${wording("marketingQuestion", "en")}`,
  consentAsk: `${wording("loyaltyTerms", "en")}\n\n${wording("marketingAsk", "en")}`,
  yes: "✅ Yes, send me offers",
  no: "No, thanks",
  consentKept: "You'll keep receiving our offers. Send /stop any time to stop.",
  consentGiven: "Thanks, we'll send you our offers. Send /stop any time to stop.",
  myData: (d) =>
    [
      "What the shop holds about you:",
      `• Profile: ${[d.name && "name", d.phone && "phone number", d.birthday && "birthday"].filter(Boolean).join(", ") || "no identifying details"}`,
      `• ${d.chats} linked chat(s), ${d.orders} order(s), ${d.ledger} points transaction(s)`,
      `• ${d.consents} consent record(s), ${d.memory} conversation turn(s) in the assistant's memory`,
      "For the full copy (JSON), ask the shop to export it. Send /deleteme to erase your identifying data.",
    ].join("\n"),
  deleteAsk:
    "Erase my data: the shop deletes your name, phone number, birthday, linked chats and conversation memory, and stops promotions. Points and orders stay, anonymous, so the points ledger still adds up. This cannot be undone. Are you sure?",
  deleteConfirm: "🗑 Erase my data",
  deleteDone: "Done: your identifying data is erased and this chat is unlinked. Thank you for having been a member.",
};

export function privacyChatCopy(lang: string): PrivacyChatCopy {
  return lang === "en" ? en : vi;
}

/** The question after linking and the reply to its Yes, for the program's consent mode. */
export function consentTexts(p: PrivacyChatCopy, mode: "link" | "explicit"): { question: string; yesReply: string } {
  return mode === "explicit"
    ? { question: p.consentAsk, yesReply: p.consentGiven }
    : { question: p.consentQuestion, yesReply: p.consentKept };
}
