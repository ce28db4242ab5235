/**
 * How a member is addressed — the one rule the bot's copy, campaigns, journeys and the assistant share, so a
 * campaign and the bot never greet the same person by different names.
 *
 * A Vietnamese full name is family name first, so the given name is its last word ("Nguyễn Văn Hoa" → "Hoa");
 * written the Western way round ("Hoa Nguyễn") the family name is last. Other names give their first word
 * ("Emily Carter" → "Emily").
 */

/** Common Vietnamese family names, without diacritics (names are often typed without them). */
const VI_SURNAMES = new Set(
  [
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly truong dinh doan lam mai trinh luu cao",
    "ha chu chau kieu ta thai la quach luong van tang hua trieu thach tong",
  ]
    .join(" ")
    .split(" "),
);

const VIETNAMESE_LETTERS = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i;

/** Lower-case ASCII fold of Vietnamese text (ă/â/đ/ê/ô/ơ/ư and tone marks dropped). */
export function foldVietnamese(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toLowerCase();
}

/** The name to greet someone by (undefined when there is no name). */
export function firstName(name: string | null | undefined): string | undefined {
  const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const first = words[0]!;
  const last = words[words.length - 1]!;
  if (words.length === 1) return first;
  if (VI_SURNAMES.has(foldVietnamese(first))) return last;
  if (VI_SURNAMES.has(foldVietnamese(last))) return first;
  return VIETNAMESE_LETTERS.test(name ?? "") ? last : first;
}
