/**
 * A campaign message as a sample member of the segment would get it (POST /v1/campaigns/preview, the console's live
 * preview): the first member of the segment's sample, their spendable points and tier, rendered the way the
 * delivery worker renders (render.ts), plus the buttons under it. Nothing is saved.
 */
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { memberView, requireMember } from "../members/service.ts";
import { getProgram } from "../program/service.ts";
import { previewSegment, requireSegment } from "../segments/service.ts";
import { type Lang, promoButtons, renderMessage } from "./render.ts";
import { MessageSchema, OfferIdSchema } from "./service.ts";

export const CampaignPreviewSchema = z.object({
  segmentId: z.string().min(1).max(100),
  message: MessageSchema,
  offerId: OfferIdSchema.optional(),
});

export interface CampaignPreview {
  /** Members of the segment now. */
  count: number;
  /** The sample member (null when the segment is empty: the texts are then rendered for a nameless member). */
  member: { id: string; name: string | null; language: Lang; points: number; tier: string | null } | null;
  /** The text in the member's language first, then the other language when a template exists for it. */
  texts: { lang: Lang; text: string; buttons: string[] }[];
}

export async function previewCampaign(
  db: Db,
  merchantId: string,
  input: z.output<typeof CampaignPreviewSchema>,
  now: Date,
): Promise<CampaignPreview> {
  const seg = await requireSegment(db, merchantId, input.segmentId);
  const { count, sample } = await previewSegment(db, merchantId, seg.rule, now);
  let member: CampaignPreview["member"] = null;
  if (sample[0]) {
    const row = await requireMember(db, merchantId, sample[0].id);
    const v = await memberView(db, await getProgram(db, merchantId), row, now);
    member = {
      id: row.id,
      name: row.name,
      language: row.language === "en" ? "en" : "vi",
      points: v.points.balance,
      tier: v.tier?.name ?? null,
    };
  }
  const base = { name: member?.name ?? null, points: member?.points ?? 0, tier: member?.tier ?? null };
  const own = renderMessage(input.message, { ...base, language: member?.language ?? "vi" });
  const texts = [own];
  const other: Lang = own.lang === "vi" ? "en" : "vi";
  if (input.message[other]) texts.push(renderMessage(input.message, { ...base, language: other }));
  return {
    count,
    member,
    texts: texts.map((t) => ({
      lang: t.lang,
      text: t.text,
      buttons: promoButtons(t.lang, input.offerId).flatMap((row) => row.map((b) => b.label)),
    })),
  };
}
