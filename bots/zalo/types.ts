// Zalo Bot Platform types and zod schemas (runtime-neutral: no node: imports).
// API: https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>, envelope { ok, result?, error_code?, description? }.
import { z } from "zod";
import { MAX_ID_LENGTH } from "../../src/lib/validate.ts";

/** Ids are strings on Zalo; numbers are accepted and turned into strings (ids can exceed 2^53, so prefer strings). */
const IdSchema = z.union([z.string().min(1).max(MAX_ID_LENGTH), z.number()]).transform((v) => String(v));

/** Epoch milliseconds; numeric strings accepted. */
const EpochMsSchema = z.union([z.number(), z.string().regex(/^\d+$/)]).transform((v) => Number(v));

// ---- API envelope and results ---------------------------------------------------

export const ZaloEnvelopeSchema = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().optional(),
  description: z.string().optional(),
  parameters: z.looseObject({ retry_after: z.number().optional() }).optional(),
});
export type ZaloEnvelope = z.infer<typeof ZaloEnvelopeSchema>;

export const ZaloBotInfoSchema = z.looseObject({
  id: IdSchema,
  account_name: z.string(),
  account_type: z.string(),
  can_join_groups: z.boolean(),
});
export type ZaloBotInfo = z.infer<typeof ZaloBotInfoSchema>;

export const ZaloWebhookInfoSchema = z.looseObject({
  url: z.string(),
  updated_at: EpochMsSchema.optional(),
});
export type ZaloWebhookInfo = z.infer<typeof ZaloWebhookInfoSchema>;

export const ZaloSentMessageSchema = z.looseObject({
  message_id: IdSchema,
  date: EpochMsSchema,
});
export type ZaloSentMessage = z.infer<typeof ZaloSentMessageSchema>;

export interface ZaloSetWebhookParams {
  /** HTTPS URL. */
  url: string;
  /** 8–256 characters; sent back in the `X-Bot-Api-Secret-Token` header. */
  secret_token: string;
}

export interface ZaloSendMessageParams {
  chat_id: string;
  /** 1–2000 characters (use splitText for longer replies). */
  text: string;
}

export interface ZaloSendPhotoParams {
  chat_id: string;
  /** Absolute http(s) URL of the image. */
  photo: string;
  /** Up to 2000 characters. */
  caption?: string;
}

export interface ZaloSendChatActionParams {
  chat_id: string;
  action: "typing" | "upload_photo";
}

export interface ZaloGetUpdatesParams {
  /** Long-poll timeout in seconds (the API takes it as a string; default 30). */
  timeout?: number;
}

// ---- incoming updates (webhook body or getUpdates result) ----------------------------

export const ZALO_EVENT_NAMES = [
  "message.text.received",
  "message.image.received",
  "message.sticker.received",
  "message.unsupported.received",
] as const;
export type ZaloKnownEventName = (typeof ZALO_EVENT_NAMES)[number];

export const ZaloMessageSchema = z.looseObject({
  from: z.looseObject({
    id: IdSchema,
    display_name: z.string().optional(),
    name: z.string().optional(),
    avatar: z.string().optional(),
    is_bot: z.boolean().optional(),
  }),
  chat: z.looseObject({
    id: IdSchema,
    /** PRIVATE or GROUP (groups are "coming soon" on the platform). */
    chat_type: z.string().optional(),
  }),
  message_id: IdSchema,
  /** Epoch MILLISECONDS. */
  date: EpochMsSchema,
  text: z.string().optional(),
  photo: z.string().optional(),
  photo_url: z.string().optional(),
  caption: z.string().optional(),
  sticker: z.string().optional(),
  url: z.string().optional(),
});
export type ZaloMessage = z.infer<typeof ZaloMessageSchema>;

/** Raw (unwrapped) update as sent by Zalo: `{ event_name, message? }`. */
export const ZaloRawUpdateSchema = z.looseObject({
  // Bounded: `event_name:message_id` is the claim key (an indexed column).
  event_name: z.string().max(100),
  message: z.unknown().optional(),
});

/** Documented webhook body: `{ ok: true, result: { event_name, message } }`. */
export const ZaloWrappedUpdateSchema = z.looseObject({
  ok: z.boolean().optional(),
  result: ZaloRawUpdateSchema,
});

export type ZaloTextUpdate = {
  kind: "text";
  event_name: "message.text.received";
  message: ZaloMessage & { text: string };
};
export type ZaloImageUpdate = {
  kind: "image";
  event_name: "message.image.received";
  message: ZaloMessage;
  /** `message.photo_url ?? message.photo`. */
  photoUrl: string | undefined;
};
export type ZaloStickerUpdate = {
  kind: "sticker";
  event_name: "message.sticker.received";
  message: ZaloMessage;
};
export type ZaloUnsupportedUpdate = {
  kind: "unsupported";
  /** "message.unsupported.received", or whatever unknown name Zalo sent. */
  event_name: string;
  /** Present when the update carried a well-formed message. */
  message: ZaloMessage | undefined;
};
export type ZaloUpdate = ZaloTextUpdate | ZaloImageUpdate | ZaloStickerUpdate | ZaloUnsupportedUpdate;

function unwrap(json: unknown): z.infer<typeof ZaloRawUpdateSchema> | null {
  const wrapped = ZaloWrappedUpdateSchema.safeParse(json);
  if (wrapped.success) return wrapped.data.result;
  const raw = ZaloRawUpdateSchema.safeParse(json);
  return raw.success ? raw.data : null;
}

/**
 * Parses an incoming Zalo update in either shape (wrapped `{ok,result}` or bare
 * `{event_name,message}`). Unknown event names (and a text event without text) become
 * `kind: "unsupported"`. Returns null when the body is not an update at all, or when a
 * known message event carries no valid message.
 */
export function parseZaloUpdate(json: unknown): ZaloUpdate | null {
  const raw = unwrap(json);
  if (!raw) return null;
  const parsedMessage = raw.message === undefined ? undefined : ZaloMessageSchema.safeParse(raw.message);
  const message = parsedMessage?.success ? parsedMessage.data : undefined;
  switch (raw.event_name) {
    case "message.text.received":
      if (!message) return null;
      if (typeof message.text !== "string") return { kind: "unsupported", event_name: raw.event_name, message };
      return { kind: "text", event_name: raw.event_name, message: { ...message, text: message.text } };
    case "message.image.received":
      if (!message) return null;
      return { kind: "image", event_name: raw.event_name, message, photoUrl: message.photo_url ?? message.photo };
    case "message.sticker.received":
      if (!message) return null;
      return { kind: "sticker", event_name: raw.event_name, message };
    default:
      return { kind: "unsupported", event_name: raw.event_name, message };
  }
}

/** De-duplication key for an update: `event_name:message_id` (null without a message). */
export function zaloUpdateKey(update: ZaloUpdate): string | null {
  return update.message ? `${update.event_name}:${update.message.message_id}` : null;
}

/** Header carrying the webhook secret on Zalo deliveries. */
export const ZALO_SECRET_HEADER = "X-Bot-Api-Secret-Token";

export const ZALO_TEXT_LIMIT = 2000;
