/** Buttons on channels without buttons (Zalo Bot Platform, Zalo OA): numbered choices the user types back. */
import type { MessageButton, OutgoingMessage } from "../../src/channels/channel.ts";
import type { Db } from "../../src/db/types.ts";
import { copyFor } from "../../src/messages/index.ts";
import { choiceFor } from "./state.ts";
import type { ReplyMessage } from "./types.ts";

/** Text of one reply with its buttons as numbered choices; returns the buttons in number order. */
export function numberedChoices(m: ReplyMessage, intro: string): { text: string; choices: MessageButton[] } {
  const choices = (m.buttons ?? []).flat();
  if (choices.length === 0) return { text: m.text, choices };
  const lines = choices.map((b, i) => `${i + 1}. ${b.label}`);
  return { text: `${m.text}\n\n${intro}\n${lines.join("\n")}`, choices };
}

/** Campaign messages carry no numbered-choice state: their buttons are listed as plain lines. */
export function buttonsAsLines(message: { text: string; buttons?: MessageButton[][] | undefined }): string {
  const buttons = (message.buttons ?? []).flat();
  if (buttons.length === 0) return message.text;
  return `${message.text}\n\n${buttons.map((b) => `• ${b.label}`).join("\n")}`;
}

/**
 * The text of a broadcast (campaign, journey, survey) on a numbered-choice channel: its buttons as plain lines, or —
 * with `message.choices` (a survey question) — as numbered choices, returned to be remembered (`saveChoices`) once
 * the send succeeded, so the member's typed number presses the button later.
 */
export function broadcastText(message: OutgoingMessage): {
  text: string;
  remember?: { buttons: MessageButton[]; ttlMs: number };
} {
  if (!message.choices) return { text: buttonsAsLines(message) };
  const n = numberedChoices(message, copyFor(message.choices.lang).choicesIntro());
  return { text: n.text, remember: { buttons: n.choices, ttlMs: message.choices.ttlMs } };
}

/**
 * What a typed message means on a numbered-choice channel: a bare number picks the current choice (`button`), is
 * `expired` when it matches none, or is plain text when no choices were offered.
 */
export async function readTypedChoice(
  db: Db,
  channel: string,
  userId: string,
  typed: string,
  now: Date,
): Promise<{ button: string } | { text: string } | "expired"> {
  const text = typed.trim();
  if (!/^\d{1,2}$/.test(text)) return { text };
  const choice = await choiceFor(db, channel, userId, Number(text), now);
  if (choice === "expired") return "expired";
  return choice ? { button: choice.data } : { text };
}

/**
 * The texts to send for a list of replies on a numbered-choice channel: only the last reply with buttons lists them
 * as numbered choices (so "1" always means one thing); `choices` are the ones to remember.
 */
export function numberedReplies(
  replies: ReplyMessage[],
  intro: string,
): { texts: { text: string; imageUrl?: string | undefined }[]; choices: MessageButton[] } {
  let last = -1;
  replies.forEach((r, i) => {
    if (r.buttons && r.buttons.flat().length > 0) last = i;
  });
  let choices: MessageButton[] = [];
  const texts = replies.map((r, i) => {
    if (i !== last) return { text: r.text, imageUrl: r.imageUrl };
    const n = numberedChoices(r, intro);
    choices = n.choices;
    return { text: n.text, imageUrl: r.imageUrl };
  });
  return { texts, choices };
}
