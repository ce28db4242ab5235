/**
 * Preload for benchmark children (`node --import ./bench/recs/rss-probe.ts …`): at exit, prints the
 * process's peak resident set size on stderr as `__PEAK_RSS_KB__=<kilobytes>`.
 */
process.on("exit", () => {
  process.stderr.write(`\n__PEAK_RSS_KB__=${process.resourceUsage().maxRSS}\n`);
});
