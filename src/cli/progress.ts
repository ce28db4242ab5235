/**
 * Progress reporting for long CLI work: a redrawn bar on a TTY, plain periodic lines otherwise
 * (so logs in CI stay readable). Always writes to stderr so stdout stays machine-readable.
 */
export interface Progress {
  /** Set the absolute amount done (and optionally a new total). */
  update(done: number, total?: number, note?: string): void;
  finish(note?: string): void;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Plain-line interval when not a TTY. */
  intervalMs?: number;
  /** Don't show anything for work that finishes before this. */
  delayMs?: number;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const interval = opts.intervalMs ?? (tty ? 100 : 2000);
  const delay = opts.delayMs ?? 1000;
  const unit = opts.unit ?? "";
  const started = Date.now();
  let total = opts.total;
  let done = 0;
  let note = "";
  let last = 0;
  let shown = false;

  const render = (): string => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const rateText = `${formatCount(Math.round(rate))}${unit ? " " + unit : ""}/s`;
    if (total && total > 0) {
      const frac = Math.min(1, done / total);
      const width = 24;
      const filled = Math.round(frac * width);
      const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
      return `${opts.label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${formatCount(done)}/${formatCount(total)} ${rateText} ETA ${formatDuration(eta)}${note ? " " + note : ""}`;
    }
    return `${opts.label} ${formatCount(done)}${unit ? " " + unit : ""} ${rateText} ${formatDuration(elapsed)}${note ? " " + note : ""}`;
  };

  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && (now - started < delay || now - last < interval)) return;
    last = now;
    shown = true;
    if (tty) stream.write(`\r\x1b[2K${render()}`);
    else stream.write(`${render()}\n`);
  };

  return {
    update(d, t, n) {
      done = d;
      if (t !== undefined) total = t;
      if (n !== undefined) note = n;
      draw(false);
    },
    finish(n) {
      if (n !== undefined) note = n;
      if (!shown && Date.now() - started < delay) return;
      draw(true);
      if (tty) stream.write("\n");
    },
  };
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}
