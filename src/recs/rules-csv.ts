/**
 * Rules CSV (output of `recs mine`): header `lhs,rhs,support,confidence,lift,count`, one rule per
 * line (LF line endings), fields quoted per RFC 4180 when they contain `,`, `"`, CR or LF. `lhs` is
 * the rule's items joined by `|` (already in JS string order); numbers have up to 10 significant
 * digits (see number-format.ts). Pure: the sink decides where bytes go.
 */
import { csvField, CsvFormatError, parseCsv } from "../lib/csv.ts";
import type { Rule } from "./mine.ts";
import { formatNumber } from "./number-format.ts";

export const RULES_HEADER = "lhs,rhs,support,confidence,lift,count";
export const LHS_SEPARATOR = "|";

export function ruleRow(r: Rule): string {
  return (
    csvField(r.lhs.join(LHS_SEPARATOR)) +
    "," +
    csvField(r.rhs) +
    "," +
    formatNumber(r.support) +
    "," +
    formatNumber(r.confidence) +
    "," +
    formatNumber(r.lift) +
    "," +
    String(r.count)
  );
}

/** The whole file as one string (small rule sets, tests). */
export function rulesToCsv(rules: readonly Rule[]): string {
  let s = RULES_HEADER + "\n";
  for (const r of rules) s += ruleRow(r) + "\n";
  return s;
}

/**
 * Writes the rules through `write` in chunks of about 1 MiB (awaiting it, so a stream sink can apply
 * backpressure).
 */
export async function writeRulesCsv(
  rules: readonly Rule[],
  write: (chunk: string) => void | Promise<void>,
): Promise<void> {
  let buf = RULES_HEADER + "\n";
  for (const r of rules) {
    buf += ruleRow(r) + "\n";
    if (buf.length >= 1 << 20) {
      await write(buf);
      buf = "";
    }
  }
  if (buf.length > 0) await write(buf);
}

/** Parses a Rules CSV text back into rules (for checks, benchmarks and tests). */
export function parseRulesCsv(text: string): Rule[] {
  const records = parseCsv(text);
  const header = records[0];
  if (!header || header.fields.join(",") !== RULES_HEADER) {
    throw new CsvFormatError(header?.line ?? 1, `expected header ${RULES_HEADER}`);
  }
  return records.slice(1).map(({ line, fields }) => {
    if (fields.length !== 6) throw new CsvFormatError(line, `expected 6 fields, found ${fields.length}`);
    const [lhs, rhs, support, confidence, lift, count] = fields as [string, string, string, string, string, string];
    return {
      lhs: lhs.split(LHS_SEPARATOR),
      rhs,
      support: Number(support),
      confidence: Number(confidence),
      lift: Number(lift),
      count: Number(count),
    };
  });
}
