/** The OA adapter's own lines (vi default, en). */
import type { Lang } from "../../src/messages/render.ts";

const COPY = {
  vi: {
    textOnly: () =>
      'Dạ, hiện mình chỉ đọc được tin nhắn chữ thôi ạ. Bạn nhắn bằng chữ giúp mình nhé, ví dụ: "điểm của tôi" hoặc /help.',
  },
  en: {
    textOnly: () =>
      'Sorry, I can only read text messages for now. Please type your request, e.g. "my points" or /help.',
  },
} satisfies Record<Lang, { textOnly(): string }>;

export const oaCopy = (lang: Lang) => COPY[lang];
