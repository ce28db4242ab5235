/**
 * Naive brute-force reference miner for tests: enumerates every subset (size 1..K) of every basket,
 * counts them in a Map, and applies the spec's definitions literally. Thresholds are given as
 * integer percentages so the comparisons are exact (support ≥ s/100 ⇔ 100·count ≥ s·N).
 */
export interface RefRule {
  lhs: string[];
  rhs: string;
  count: number;
  support: number;
  confidence: number;
  lift: number;
}

const SEP = "\u0000";

function subsets(items: string[], maxLen: number, out: string[][], start = 0, cur: string[] = []): void {
  for (let i = start; i < items.length; i++) {
    cur.push(items[i]!);
    out.push(cur.slice());
    if (cur.length < maxLen) subsets(items, maxLen, out, i + 1, cur);
    cur.pop();
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function referenceMine(
  baskets: string[][],
  supportPct: number,
  confidencePct: number,
  maxLen: number,
): RefRule[] {
  const n = baskets.length;
  const counts = new Map<string, number>();
  for (const basket of baskets) {
    const items = [...new Set(basket)].sort(cmp);
    const subs: string[][] = [];
    subsets(items, maxLen, subs);
    for (const s of subs) counts.set(s.join(SEP), (counts.get(s.join(SEP)) ?? 0) + 1);
  }
  const rules: RefRule[] = [];
  for (const [key, count] of counts) {
    const set = key.split(SEP);
    if (set.length < 2) continue;
    if (100 * count < supportPct * n) continue;
    for (let r = 0; r < set.length; r++) {
      const rhs = set[r]!;
      const lhs = set.filter((_, i) => i !== r);
      const lhsCount = counts.get(lhs.join(SEP))!;
      if (100 * count < confidencePct * lhsCount) continue;
      const confidence = count / lhsCount;
      const rhsSupport = counts.get(rhs)! / n;
      rules.push({ lhs, rhs, count, support: count / n, confidence, lift: confidence / rhsSupport });
    }
  }
  return rules;
}

export const ruleKey = (r: { lhs: string[]; rhs: string }): string => r.lhs.join(SEP) + "=>" + r.rhs;
