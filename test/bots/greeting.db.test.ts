import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation } from "../../bots/core/conversation.ts";
import { renderMessage } from "../../src/campaigns/render.ts";
import { firstName } from "../../src/messages/names.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createMember } from "../../src/members/service.ts";
import { createLinkCode } from "../../src/links/service.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

describe("firstName: how a member is addressed", () => {
  it.each([
    ["Nguyễn Văn Hoa", "Hoa"],
    ["Trần Thị Mai", "Mai"],
    ["nguyen van hoa", "hoa"],
    // family names the bot's copy and the campaigns used to disagree on
    ["Trương Văn Nam", "Nam"],
    ["Chu Thị Lan", "Lan"],
    ["Triệu Minh Khôi", "Khôi"],
    ["Thạch Ngọc Ánh", "Ánh"],
    // Vietnamese written the Western way round, and an unknown family name with Vietnamese letters
    ["Hoa Nguyễn", "Hoa"],
    ["Anh Tran", "Anh"],
    ["Khổng Minh Đức", "Đức"],
    ["Emily Carter", "Emily"],
    ["  Lan  ", "Lan"],
  ])("%s → %s", (name, given) => {
    expect(firstName(name)).toBe(given);
  });

  it("no name → undefined", () => {
    expect(firstName("   ")).toBeUndefined();
    expect(firstName(null)).toBeUndefined();
  });
});

describe("a campaign and the bot greet the same member the same way", () => {
  let database: TestDatabase;
  const clock = new FakeClock();
  let merchantId: string;

  beforeAll(async () => {
    database = await openTestDatabase();
    merchantId = (await createMerchant(database.db, { name: "Greeting shop" })).merchantId;
  });
  afterAll(async () => {
    await database?.close();
  });

  const names = ["Trương Văn Nam", "Hoa Nguyễn", "Khổng Minh Đức", "Emily Carter"];
  it.each(names)("%s", async (name) => {
    const member = await createMember(database.db, merchantId, { name }, clock.now());
    const { code } = await createLinkCode(database.db, merchantId, member.id, clock.now());
    const config = { DEFAULT_MERCHANT_ID: undefined };
    const conv = createConversation({ db: database.db, clock, logger: silentLogger, config });
    const userId = `greet-${member.id}`;
    const [reply] = await conv.handle({ channel: "web", userId, chatId: userId, text: `/start ${code}` });

    const campaign = renderMessage({ vi: "{{firstName}}" }, { name, language: "vi", points: 0, tier: null });
    expect(campaign.text).toBe(firstName(name));
    // The bot's greeting names the member by the same word, and by no other word of the full name.
    const words = reply!.text.split(/[\s,!.]+/);
    expect(words).toContain(campaign.text);
    for (const other of name.split(" ").filter((w) => w !== campaign.text)) expect(words).not.toContain(other);
  });
});
