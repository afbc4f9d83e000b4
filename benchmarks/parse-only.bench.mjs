// Benchmark: the yardstick. Read a JSONL file and JSON.parse every line, nothing else, on
// one thread: the practical limit for any engine that has to look at every event. The loop
// is deliberately the fast one (8 MB readSync chunks, split on '\n', JSON.parse), so the
// engine's ratio to it is honest.
//   node benchmarks/parse-only.bench.mjs FILE [--runs 3]
// FILE may be .gz (streamed through gunzip; then the number includes gunzip, so compare it
// only with engine runs over the same .gz). Prints a table and one JSON line at the end.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machine, median, parseOnly, peakRssMb, printTable, round } from './lib/common.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' } } });
const file = positionals[0];
if (file === undefined) {
  console.error('usage: parse-only.bench.mjs FILE [--runs N]');
  process.exit(2);
}
const runs = Math.max(1, Number(values.runs));
const results = [];
// No separate warm-up: the median of several runs already discounts a cold page cache.
for (let i = 0; i < runs; i++) results.push(await parseOnly(file));
const seconds = median(results.map((r) => r.seconds));
const { events, bytes } = results[0];
const result = {
  benchmark: 'parse-only',
  file,
  gzip: file.endsWith('.gz'),
  file_bytes: statSync(file).size,
  events,
  bytes,
  runs,
  seconds: round(seconds, 3),
  events_per_s: Math.round(events / seconds),
  mb_per_s: round(bytes / 1e6 / seconds, 1),
  time_vs_parse_only: 1,
  peak_rss_mb: peakRssMb(),
  alerts: null,
  ...machine(),
};
console.log(`parse-only: JSON.parse every line, 1 thread, median of ${runs} (${file})`);
printTable(
  [
    { m: 'events', v: events },
    { m: 'input (MB, uncompressed)', v: round(bytes / 1e6, 1) },
    { m: `seconds (median of ${runs})`, v: result.seconds },
    { m: 'events/s', v: result.events_per_s },
    { m: 'MB/s', v: result.mb_per_s },
    { m: 'peak RSS (MB)', v: result.peak_rss_mb },
  ],
  [['metric', 'm'], ['value', 'v']],
);
console.log(JSON.stringify(result));
