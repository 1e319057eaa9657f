/**
 * Preloaded into a pgindex CLI child (`node --import dist/bench/rss-probe.js ...`) to report its peak
 * resident set size: at exit it writes process.resourceUsage().maxRSS (kilobytes) to the file named
 * by PGINDEX_BENCH_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.PGINDEX_BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    writeFileSync(out, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
  });
}
