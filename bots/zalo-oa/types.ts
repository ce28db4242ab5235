// Zalo Official Account webhook events (Open API v3), runtime-neutral. Shapes ◐ (chatwoot, public SDKs): accept
// extra fields, ids as strings (they exceed 2^53), timestamps in epoch ms as a string or a number.
import { z } from "zod";
import { MAX_ID_LENGTH } from "../../src/lib/validate.ts";

const IdSchema = z.union([z.string().min(1).max(MAX_ID_LENGTH), z.number()]).transform((v) => String(v));
const EpochMsSchema = z.union([z.number(), z.string().regex(/^\d{1,16}$/)]).transform((v) => Number(v));

export const ZALO_OA_SIGNATURE_HEADER = "x-zevent-signature";

/** Message events from a follower that carry no text we can act on: answered with a polite "text only". */
export const OA_NON_TEXT_EVENTS = new Set([
  "user_send_image",
  "user_send_link",
  "user_send_audio",
  "user_send_video",
  "user_send_sticker",
  "user_send_location",
  "user_send_file",
  "user_send_gif",
  "user_send_business_card",
]);

export const ZaloOaEventSchema = z.looseObject({
  event_name: z.string().min(1).max(100),
  app_id: IdSchema.optional(),
  oa_id: IdSchema.optional(),
  user_id_by_app: IdSchema.optional(),
  sender: z.looseObject({ id: IdSchema }).optional(),
  recipient: z.looseObject({ id: IdSchema }).optional(),
  follower: z.looseObject({ id: IdSchema }).optional(),
  message: z
    .looseObject({
      msg_id: IdSchema.optional(),
      text: z.string().max(10_000).optional(),
      tracking_id: z.string().max(MAX_ID_LENGTH).optional(),
      msg_ids: z.array(IdSchema).max(100).optional(),
    })
    .optional(),
  timestamp: EpochMsSchema.optional(),
});
export type ZaloOaEvent = z.infer<typeof ZaloOaEventSchema>;

/** The follower an event is about: the sender of a message, the follower of (un)follow, the recipient of a receipt. */
export function oaUserOf(e: ZaloOaEvent): string | undefined {
  if (e.event_name === "follow" || e.event_name === "unfollow") return e.follower?.id ?? e.user_id_by_app;
  if (e.event_name === "user_received_message" || e.event_name === "user_seen_message") return e.recipient?.id;
  return e.sender?.id;
}

/** De-duplication key: `msg_id` when the event has one, else event:user:timestamp (follow/unfollow). */
export function oaEventKey(e: ZaloOaEvent): string | undefined {
  if (e.message?.msg_id) return `${e.event_name}:${e.message.msg_id}`;
  const user = oaUserOf(e);
  if (!user || e.timestamp === undefined) return undefined;
  return `${e.event_name}:${user}:${e.timestamp}`;
}
