/**
 * The conversation core's contract: every channel adapter turns an update into a `ChatInput` and turns the
 * `ReplyMessage[]` it gets back into platform calls.
 */
import type {
  AssistantContext,
  AssistantFn,
  ChannelName,
  OffersPort,
  OutgoingMessage,
} from "../../src/channels/channel.ts";
export type { AssistantContext, OffersPort };
import type { Config } from "../../src/config.ts";
import type { Db } from "../../src/db/types.ts";
import type { Clock } from "../../src/lib/clock.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { Lang } from "../../src/messages/render.ts";

export interface ChatInput {
  channel: ChannelName;
  /** The merchant this bot serves; when absent the core resolves it (DEFAULT_MERCHANT_ID, else the only merchant). */
  merchantId?: string | undefined;
  /** The platform's user id (Telegram from.id, Zalo from.id, the simulator's client id). */
  userId: string;
  /** Where replies go (private chats: usually the same as userId). */
  chatId: string;
  text?: string | undefined;
  /** `data` of a pressed button (or of a numbered choice typed on Zalo). */
  button?: string | undefined;
  /** A shared contact (Telegram); `userId` is the contact's own user id, when Telegram knows it. */
  contact?: { phone: string; userId?: string | undefined } | undefined;
  /** A language hint used only when neither the member nor the chat chose one. */
  locale?: Lang | undefined;
  displayName?: string | undefined;
  /** The client's IP when the channel sees it (the web simulator); link-code limits count per IP then. */
  clientIp?: string | undefined;
}

/** An outgoing message plus channel-specific extras the adapters may render. */
export interface ReplyMessage extends OutgoingMessage {
  /** Telegram: show a one-time reply keyboard with a "share my phone number" button labelled so. */
  requestContact?: string;
  /** Telegram: add a button labelled so that opens the loyalty card Mini App (when the card URL is https). */
  cardButton?: string;
  /**
   * Telegram: a share button (t.me/share) carrying the bot's deep link `?start=<payload>` and `text`; the adapter
   * knows the bot's username, so it writes the link (also into the message). Other channels show the text as is.
   */
  share?: { label: string; payload: string; text: string };
}

/** Answers free text; `undefined` falls back to the keyword/intent matcher (declared in src/channels). */
export type Assistant = AssistantFn;

export interface CoreDeps {
  db: Db | (() => Db);
  clock: Clock;
  logger: Logger;
  config: Pick<Config, "DEFAULT_MERCHANT_ID"> &
    Partial<Pick<Config, "LINK_ATTEMPTS_PER_IP_HOUR" | "LINK_ATTEMPTS_PER_CODE_HOUR" | "LINK_ATTEMPTS_GLOBAL_HOUR">>;
  offers?: OffersPort | undefined;
  assistant?: Assistant | undefined;
  /** Free-text messages per user: `capacity` at once, refilled at `capacity` per `windowMs` (default 10 per minute). */
  freeTextLimit?: { capacity: number; windowMs: number } | undefined;
}

/** A platform update's de-duplication claim, recorded by the core in the statement that loads the chat context. */
export interface UpdateClaim {
  /** The key in channel_processed_updates (on the input's channel), e.g. `<botId>:<update_id>`. */
  key: string;
  /** Told as soon as the claim is recorded: true = new, false = a replay (nothing else happens). */
  onClaimed?: ((fresh: boolean) => void) | undefined;
}

export interface Conversation {
  handle(input: ChatInput): Promise<ReplyMessage[]>;
  /**
   * `handle` plus the language the replies are in; with `claim`, for a platform update not claimed yet: the claim
   * and the chat context are one statement. Undefined for a replay. Rejects only when that first statement fails
   * with a claim (nothing recorded, nothing answered: the platform may re-send).
   */
  respond(input: ChatInput, claim?: UpdateClaim): Promise<{ replies: ReplyMessage[]; lang: Lang } | undefined>;
}
