/**
 * Channel choice per member, shared by campaigns and journeys (one SQL fragment, so the estimate, the campaign
 * snapshot and the journey pass route members the same way):
 *
 *   auto (default): the chat linked most recently (Telegram, Zalo, web) when it is reachable; else ZNS when the
 *                   campaign has a ZNS template and the member has a Vietnamese phone and marketing consent; else
 *                   the (unreachable) chat, counted `blocked` as before; else — only when ZNS was possible — the
 *                   member is skipped with a reason (`no-phone`, `no-consent`). Without a ZNS template, members
 *                   without a chat are not recipients (the campaigns contract).
 *   chat:           only the chat linked most recently.
 *   zns:            only ZNS (needs a template); members without a phone or consent are skipped with the reason.
 *
 * ZNS from campaigns and journeys is promotional, so it always needs consent (`members.opted_in`, the field the
 * chat path checks too).
 */
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";

export const CHANNEL_CHOICES = ["auto", "chat", "zns"] as const;
export type ChannelChoice = (typeof CHANNEL_CHOICES)[number];

export const ChannelChoiceSchema = z
  .enum(CHANNEL_CHOICES)
  .describe(
    "auto (default): linked chat first, else ZNS (needs znsTemplateId, a phone and marketing consent), else skipped with a reason; chat: chats only; zns: ZNS only",
  );

/** Why a member got no message on any channel (recorded on the skipped delivery row). */
export type SkipReason = "no-phone" | "no-consent";
export const SKIP_REASONS: readonly SkipReason[] = ["no-phone", "no-consent"];

/** A phone ZNS can reach: a Vietnamese mobile in E.164 (members.phone is stored normalised). */
export const ZNS_PHONE_SQL = sql.raw(`'^\\+84[1-9][0-9]{8,9}$'`);

/**
 * Rows (member_id, channel, chat_id, identity_id, opted_in, unreachable_at, skip_reason) for the members of
 * `members` (a query with a `member_id` column), routed by `choice`. `zns` = ZNS is possible (a template is set).
 * Members with no route at all are left out; `channel = 'none'` rows carry a skip reason.
 */
export function routedMembers(members: SQL, merchantId: string, choice: ChannelChoice, zns: boolean): SQL {
  const useZns = zns && choice !== "chat";
  const useChat = choice !== "zns";
  const phoneOk = sql`coalesce(mem.phone ~ ${ZNS_PHONE_SQL}, false)`;
  const znsOk = useZns ? sql`(${phoneOk} and mem.opted_in)` : sql`false`;
  const chatOk = useChat ? sql`(ci.id is not null)` : sql`false`;
  const reason = sql`case when not ${phoneOk} then 'no-phone' else 'no-consent' end`;
  return sql`select r.* from (
      select s.member_id, mem.opted_in,
        case when ${chatOk} and (ci.unreachable_at is null or not ${znsOk}) then ci.unreachable_at end as unreachable_at,
        case when ${chatOk} and ci.unreachable_at is null then ci.channel
             when ${znsOk} then 'zns'
             when ${chatOk} then ci.channel
             when ${useZns ? sql`true` : sql`false`} then 'none' end as channel,
        case when ${chatOk} and ci.unreachable_at is null then ci.chat_id
             when ${znsOk} then mem.phone
             when ${chatOk} then ci.chat_id
             else '' end as chat_id,
        case when ${chatOk} and (ci.unreachable_at is null or not ${znsOk}) then ci.id end as identity_id,
        case when not ${chatOk} and not ${znsOk} then ${reason} end as skip_reason
      from (${members}) s
      join members mem on mem.id = s.member_id
      left join lateral (
        select x.id, x.channel, x.chat_id, x.unreachable_at from channel_identities x
        where x.member_id = s.member_id and x.merchant_id = ${merchantId}
        order by x.linked_at desc, x.id desc limit 1
      ) ci on true
    ) r where r.channel is not null`;
}
