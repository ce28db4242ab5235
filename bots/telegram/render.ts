/** Replies → Telegram sendMessage/sendPhoto payloads (pure). Buttons become inline keyboards. */
import type { InlineKeyboardMarkup, ReplyKeyboardMarkup } from "grammy/types";
import type { MessageButton } from "../../src/channels/channel.ts";
import { fitOneMessage, splitText } from "../core/split-text.ts";
import { isValidButtonData } from "../core/intents.ts";
import type { ReplyMessage } from "../core/types.ts";

export const TELEGRAM_TEXT_LIMIT = 4096;
export const TELEGRAM_CAPTION_LIMIT = 1024;

export type TelegramCall =
  | { method: "sendMessage"; text: string; reply_markup?: InlineKeyboardMarkup | ReplyKeyboardMarkup }
  | { method: "sendPhoto"; photo: string; caption?: string; reply_markup?: InlineKeyboardMarkup | ReplyKeyboardMarkup };

export function inlineKeyboard(rows: MessageButton[][]): InlineKeyboardMarkup | undefined {
  const keyboard = rows
    .map((row) => row.filter((b) => isValidButtonData(b.data)).map((b) => ({ text: b.label, callback_data: b.data })))
    .filter((row) => row.length > 0);
  return keyboard.length > 0 ? { inline_keyboard: keyboard } : undefined;
}

export interface RenderOptions {
  /** The loyalty card Mini App's https URL: replies with `cardButton` get a web_app button opening it. */
  cardUrl?: string | undefined;
  /** The bot's username, for the deep links of `share` replies (none without it). */
  botUsername?: string | undefined;
  /** Broadcasts: exactly one call — the text cut to what one message (or one caption) holds. */
  single?: boolean;
}

/** The bot's deep link for a share reply, and the t.me/share button that forwards it with its text. */
function shareLink(m: ReplyMessage, o: RenderOptions) {
  if (!m.share || !o.botUsername) return undefined;
  const link = `https://t.me/${o.botUsername}?start=${m.share.payload}`;
  const url = `https://t.me/share/url?url=${encodeURIComponent(link)}&text=${encodeURIComponent(m.share.text)}`;
  return { link, button: { text: m.share.label, url } };
}

function markup(m: ReplyMessage, o: RenderOptions): InlineKeyboardMarkup | ReplyKeyboardMarkup | undefined {
  const share = shareLink(m, o);
  if (share) {
    const rest = m.buttons && m.buttons.length > 0 ? inlineKeyboard(m.buttons) : undefined;
    return { inline_keyboard: [[share.button], ...(rest?.inline_keyboard ?? [])] };
  }
  if (m.cardButton && o.cardUrl) {
    const card = [{ text: m.cardButton, web_app: { url: o.cardUrl } }];
    const rest = m.buttons && m.buttons.length > 0 ? inlineKeyboard(m.buttons) : undefined;
    return { inline_keyboard: [card, ...(rest?.inline_keyboard ?? [])] };
  }
  if (m.buttons && m.buttons.length > 0) return inlineKeyboard(m.buttons);
  if (m.requestContact) {
    return {
      keyboard: [[{ text: m.requestContact, request_contact: true }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    };
  }
  return undefined;
}

/** One reply → the calls that deliver it: long text is split (the keyboard goes with the last part). */
export function toTelegramCalls(m: ReplyMessage, o: RenderOptions = {}): TelegramCall[] {
  const rm = markup(m, o);
  const calls: TelegramCall[] = [];
  const share = shareLink(m, o);
  let text = share ? `${m.text}\n${share.link}` : m.text;
  if (o.single) text = fitOneMessage(text, m.imageUrl ? TELEGRAM_CAPTION_LIMIT : TELEGRAM_TEXT_LIMIT);
  if (m.imageUrl) {
    if (text.length <= TELEGRAM_CAPTION_LIMIT) {
      return [
        {
          method: "sendPhoto",
          photo: m.imageUrl,
          ...(text ? { caption: text } : {}),
          ...(rm ? { reply_markup: rm } : {}),
        },
      ];
    }
    calls.push({ method: "sendPhoto", photo: m.imageUrl });
  }
  if (text.trim() === "") text = "…";
  const parts = splitText(text, TELEGRAM_TEXT_LIMIT);
  parts.forEach((part, i) => {
    calls.push({ method: "sendMessage", text: part, ...(rm && i === parts.length - 1 ? { reply_markup: rm } : {}) });
  });
  return calls;
}
