/**
 * Splitting long replies into messages a chat platform accepts (Zalo: 2000 characters, Telegram: 4096); shared by
 * every channel adapter.
 */

const BOUNDARIES: ReadonlyArray<RegExp> = [
  /\n[ \t]*\n/g, // paragraph
  /\n/g, // line
  /[.!?…。](?:["'”’)\]]*)(?=\s)/g, // sentence end (the cut goes after the punctuation)
  /[;:,](?=\s)/g, // clause
  /\s+/g, // word
];

/**
 * Splits `text` into chunks of at most `limit` UTF-16 code units (Zalo: 2000,
 * Telegram: 4096), cutting at a paragraph, then line, sentence, clause and word
 * boundary, and only as a last resort inside a word (never inside a surrogate pair).
 * Whitespace at the cuts is dropped; empty input gives [].
 */
/**
 * The first chunk of `text` that fits one message, with "…" when something was cut: a broadcast sends one message
 * per recipient (the contract: at most one message per campaign; a second part would also break the per-chat pace).
 */
export function fitOneMessage(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${splitText(text, limit - 1)[0] ?? ""}…`;
}

export function splitText(text: string, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError("splitText: limit must be an integer ≥ 2");
  const chunks: string[] = [];
  let rest = text.trim() === "" ? "" : text;
  while (rest.length > limit) {
    const cut = findCut(rest, limit);
    const head = rest.slice(0, cut).trimEnd();
    if (head.length > 0) chunks.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.trim().length > 0) chunks.push(rest);
  return chunks;
}

function findCut(text: string, limit: number): number {
  const window = text.slice(0, limit + 1); // a boundary right at `limit` still counts
  const minCut = Math.floor(limit / 2);
  let fallback = -1;
  for (const re of BOUNDARIES) {
    let best = -1;
    re.lastIndex = 0;
    for (let m = re.exec(window); m; m = re.exec(window)) {
      // cut position: before the whitespace separators, after sentence/clause punctuation
      const isSeparator = /^\s/.test(m[0]);
      const pos = isSeparator ? m.index : m.index + m[0].length;
      if (pos > 0 && pos <= limit) best = pos;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (best >= minCut) return best;
    if (best > 0 && fallback < 0) fallback = best;
  }
  if (fallback > 0) return fallback;
  // Hard cut, not between a high and a low surrogate.
  let cut = limit;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}
