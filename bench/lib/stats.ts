/** Small helpers shared by the benchmarks. */
import { readFileSync } from "node:fs";
import os from "node:os";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function machine(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return "";
  const cols = Object.keys(rows[0]!);
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  const line = (vals: string[]) => "| " + vals.map((v, i) => v.padEnd(w[i]!)).join(" | ") + " |";
  return [
    line(cols),
    "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|",
    ...rows.map((r) => line(cols.map((c) => String(r[c] ?? "")))),
  ].join("\n");
}

export function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
}

/** The fastest of `runs` timed calls, with the last call's value (results are checked equal elsewhere). */
export async function best<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  let bestMs = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return { ms: bestMs, value };
}

/** CPU seconds [user, system] a process has used so far, from /proc (Linux); NaN when it cannot be read. */
export function cpuSplit(pid: number | undefined): [number, number] {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return [Number(f[11]) / 100, Number(f[12]) / 100]; // utime, stime in clock ticks (100/s)
  } catch {
    return [NaN, NaN];
  }
}

/** CPU seconds (user + system) a process has used so far. */
export const cpuSeconds = (pid: number | undefined): number => cpuSplit(pid)[0] + cpuSplit(pid)[1];
