/**
 * The channel send interface. `src/` (campaigns, journeys, proactive offers) calls it; `bots/` implements it per
 * platform (Telegram, Zalo, web simulator) and the runtime entry injects the implementations into AppDeps.
 */
export type ChannelName = "telegram" | "zalo" | "web";

export interface MessageButton {
  label: string;
  /** Opaque action id handed back when pressed (Telegram callback_data ≤ 64 bytes; keep it ASCII). */
  data: string;
}

export interface OutgoingMessage {
  text: string;
  /** Rows of buttons: inline keyboards on Telegram, numbered choices on Zalo, buttons in the simulator. */
  buttons?: MessageButton[][];
  imageUrl?: string;
}

export type SendResult =
  | { ok: true; messageId?: string }
  | { ok: false; reason: "blocked" | "rate-limited" | "failed"; retryAfterSeconds?: number; error?: string };

export interface ChannelSender {
  channel: ChannelName;
  /** Messages per second the platform allows for bulk sending (TELEGRAM_BROADCAST_RATE, ZALO_BROADCAST_RATE). */
  broadcastRate: number;
  /** Sends once; never retries on its own when `noRetry` is set (the broadcaster paces and retries itself). */
  send(merchantId: string, chatId: string, message: OutgoingMessage, opts?: { noRetry?: boolean }): Promise<SendResult>;
}

export type ChannelSenders = Partial<Record<ChannelName, ChannelSender>>;
