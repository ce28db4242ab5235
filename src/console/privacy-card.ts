/** The member page's personal-data card: download the member's data (JSON) and erase it (a required confirm box). */
import type { ConsoleLang } from "./copy.ts";
import { h } from "./views.ts";

const COPY = {
  vi: {
    title: "Dữ liệu cá nhân",
    hint: "Tải toàn bộ dữ liệu về thành viên (JSON), hoặc xoá thông tin nhận dạng: tên, số điện thoại, ngày sinh, trò chuyện đã liên kết, bộ nhớ trò chuyện. Điểm và đơn hàng được giữ ẩn danh. Không thể hoàn tác.",
    export: "Tải dữ liệu (JSON)",
    confirm: "Tôi hiểu: xoá không thể hoàn tác",
    erase: "Xoá dữ liệu cá nhân",
    erased: "Đã xoá dữ liệu cá nhân của thành viên",
  },
  en: {
    title: "Personal data",
    hint: "Download everything held about the member (JSON), or erase their identity: name, phone, birthday, linked chats, conversation memory. Points and orders stay, anonymous. This cannot be undone.",
    export: "Download data (JSON)",
    confirm: "I understand: erasure cannot be undone",
    erase: "Erase personal data",
    erased: "The member's personal data was erased",
  },
} as const;

export const erasedFlash = (lang: ConsoleLang) => COPY[lang].erased;

export function privacyCard(lang: ConsoleLang, base: string, erasedAt: Date | null) {
  const t = COPY[lang];
  return h(
    "div",
    { class: "card", id: "personal-data" },
    h("h2", null, t.title),
    h("p", { class: "muted" }, t.hint),
    h("p", null, h("a", { href: `${base}/export`, id: "export-data", download: "" }, t.export)),
    erasedAt
      ? h("p", { class: "muted", id: "erased" }, t.erased)
      : h(
          "form",
          { class: "stack", method: "post", action: `${base}/erase`, id: "erase" },
          h(
            "label",
            null,
            h("input", { type: "checkbox", name: "confirm", value: "yes", required: true }),
            ` ${t.confirm}`,
          ),
          h("button", { class: "secondary", type: "submit", id: "erase-data" }, t.erase),
        ),
  );
}
