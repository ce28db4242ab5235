/**
 * Prometheus metrics: a small in-process registry with its own text exposition (format 0.0.4), the same on Node and
 * on Workers (prom-client needs Node). Counters and one histogram; on Workers each isolate counts its own requests
 * (documented in docs/configuration.md). Labels are low-cardinality by construction (route patterns, not paths).
 */
type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`)
    .join(",");

class Counter {
  readonly values = new Map<string, number>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    if (!(by > 0)) return;
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) out.push(`${this.name}${k ? `{${k}}` : ""} ${v}`);
    return out;
  }
}

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  readonly name: string;
  readonly help: string;
  readonly buckets: number[];
  constructor(name: string, help: string, buckets: number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : "";
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${pre}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return out;
  }
}

export const metrics = {
  httpRequests: new Counter("chatloyalty_http_requests_total", "HTTP requests by method, route pattern and status."),
  httpDuration: new Histogram(
    "chatloyalty_http_request_duration_seconds",
    "HTTP request latency by method and route pattern.",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ),
  orders: new Counter(
    "chatloyalty_orders_total",
    "POST /v1/orders answers by outcome (accepted incl. replays, rejected).",
  ),
  deliveries: new Counter(
    "chatloyalty_deliveries_total",
    "Campaign/journey message delivery outcomes by channel (sent, failed, blocked, retry, rate-limited, unknown).",
  ),
  llmCalls: new Counter("chatloyalty_llm_calls_total", "LLM provider calls by task."),
  llmFallbacks: new Counter("chatloyalty_llm_fallbacks_total", "LLM answers that fell back to the template, by task."),
  llmTokens: new Counter("chatloyalty_llm_tokens_total", "LLM tokens by task and direction (input, output)."),
};

export function renderMetrics(): string {
  const lines = [
    ...metrics.httpRequests.render(),
    ...metrics.httpDuration.render(),
    ...metrics.orders.render(),
    ...metrics.deliveries.render(),
    ...metrics.llmCalls.render(),
    ...metrics.llmFallbacks.render(),
    ...metrics.llmTokens.render(),
  ];
  return `${lines.join("\n")}\n`;
}
