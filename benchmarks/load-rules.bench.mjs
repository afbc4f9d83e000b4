// Benchmark: how long loading and lowering all SigmaHQ rules takes (read, YAML, model,
// condition grammar, modifiers, windows pipeline -> IR). Run after `npm run build`:
//   node benchmarks/load-rules.bench.mjs [--runs N]
// Prints a readable table and one JSON line (machine-readable) at the end.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const root = resolve(fileURLToPath(import.meta.url), '../..');
const shared = resolve(process.env.SIEMLITE_SHARED ?? resolve(root, '../shared'));
const dirs = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'rules-dfir'].map((d) =>
  resolve(shared, 'sigma', d),
);
if (!existsSync(dirs[0])) {
  console.error(`SigmaHQ rules not found under ${shared}/sigma (set SIEMLITE_SHARED)`);
  process.exit(2);
}

const times = [];
let last;
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const { pipeline } = loadBuiltinPipeline('windows');
  // As `siemlite validate` does: placeholders without values are checked as '*'.
  last = loadRules(dirs, { pipelines: pipeline ? [pipeline] : [], placeholderFallback: 'wildcard' });
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
const result = {
  benchmark: 'load-rules',
  files: last.files,
  rules: last.rules.length,
  errors: last.errors.length,
  runs,
  first_ms: Math.round(times[0]),
  median_ms: Math.round(median),
  min_ms: Math.round(sorted[0]),
  us_per_rule_median: Math.round((median * 1000) / Math.max(1, last.rules.length)),
  rules_per_s_median: Math.round(last.rules.length / (median / 1000)),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  node: process.version,
};
console.log('load-rules: SigmaHQ rules -> IR with the windows pipeline');
console.table([
  { metric: 'files', value: result.files },
  { metric: 'rules lowered', value: result.rules },
  { metric: 'errors', value: result.errors },
  { metric: 'first run (ms, cold JIT)', value: result.first_ms },
  { metric: `median of ${runs} (ms)`, value: result.median_ms },
  { metric: 'µs per rule (median)', value: result.us_per_rule_median },
  { metric: 'peak RSS (MB)', value: result.peak_rss_mb },
]);
console.log(JSON.stringify(result));
