// `npm run bench`: every throughput benchmark on two inputs, one summary table, and
// benchmarks/out/results.json (git-ignored).
//   node benchmarks/run-all.mjs [--events 1000000] [--mix mixed] [--seed 1] [--workers 1,2]
//                               [--max-seconds 1800] [--eval-events 300000] [--no-otrf]
// Inputs:
//   corpus  make-corpus.mjs output in the OS temp folder (reused when already there).
//   otrf    datasets/otrf_security_datasets_windows.jsonl.gz as it is (647,017 events),
//           decompressed once to the temp folder: parse-only and hunt then both read the
//           same plain JSONL, so gunzip is in neither number.
// On each: parse-only (the yardstick), hunt with each worker count, evaluate. Every
// benchmark runs in its own process, so each peak RSS is its own.
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { machine, printTable, root, runBenchmark, shared } from './lib/common.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    mix: { type: 'string', default: 'mixed' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1,2' },
    'max-seconds': { type: 'string', default: '1800' },
    'eval-events': { type: 'string', default: '300000' },
    'no-otrf': { type: 'boolean', default: false },
  },
});
const started = new Date();

const section = (title) => console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 78 - title.length))}`);

section(`corpus: ${values.events} events, mix ${values.mix}, seed ${values.seed}`);
const corpus = runBenchmark('make-corpus.mjs', ['--reuse', '--events', values.events, '--mix', values.mix, '--seed', values.seed]);
const inputs = [{ name: `corpus ${values.mix} ${Number(values.events).toLocaleString('en-US')}`, file: corpus.file }];

if (!values['no-otrf']) {
  const gz = join(shared, 'datasets', 'otrf_security_datasets_windows.jsonl.gz');
  const file = join(tmpdir(), 'siemlite-bench-otrf_security_datasets_windows.jsonl');
  // Written under another name and renamed: a file with the final name is complete.
  if (!existsSync(file)) {
    console.error(`decompressing ${gz} to ${file} ...`);
    await pipeline(createReadStream(gz), createGunzip(), createWriteStream(`${file}.partial`));
    renameSync(`${file}.partial`, file);
  }
  inputs.push({ name: 'otrf windows (as is)', file });
}

const results = [];
const rows = [];
/** Runs a benchmark; a failure becomes a row of the summary instead of ending the run. */
function attempt(bench, input, fn) {
  try {
    return fn();
  } catch (error) {
    rows.push({ input, bench, note: `FAILED: ${error.message}` });
    return null;
  }
}
for (const { name, file } of inputs) {
  section(`${name}: parse-only`);
  const parse = runBenchmark('parse-only.bench.mjs', [file, '--runs', '3']);
  const baseline = JSON.stringify(parse);
  rows.push({ input: name, bench: 'parse-only', workers: 1, events: parse.events, seconds: parse.seconds, eps: parse.events_per_s, mbps: parse.mb_per_s, ratio: '1.0×', rss: parse.peak_rss_mb, alerts: null, note: 'JSON.parse only' });

  section(`${name}: hunt (CLI end to end)`);
  const hunt = attempt('hunt', name, () => runBenchmark('hunt.bench.mjs', [file, '--baseline', baseline, '--workers', values.workers, '--max-seconds', values['max-seconds']]));
  for (const r of hunt?.runs ?? []) {
    rows.push({
      input: name,
      bench: 'hunt',
      workers: r.workers,
      events: r.events,
      seconds: r.seconds,
      eps: r.events_per_s,
      mbps: r.mb_per_s,
      ratio: r.time_vs_parse_only === null ? null : `${r.time_vs_parse_only}×`,
      rss: r.peak_rss_mb,
      alerts: r.alerts,
      note: `${r.status === 'ok' ? '' : `${r.status}; `}startup ${hunt.startup_s} s; ${r.events_per_s_after_startup?.toLocaleString('en-US') ?? '—'} ev/s after it`,
    });
  }

  section(`${name}: evaluate (evaluateBatch, first ${values['eval-events']} events)`);
  const ev = attempt('evaluate', name, () => runBenchmark('evaluate.bench.mjs', [file, '--events', values['eval-events'], '--baseline', baseline]));
  results.push({ input: name, file, parse_only: parse, hunt, evaluate: ev });
  if (ev === null) continue;
  rows.push({ input: name, bench: 'evaluate', workers: 1, events: ev.events, seconds: ev.seconds, eps: ev.events_per_s, mbps: ev.mb_per_s, ratio: `${ev.time_vs_parse_only}×`, rss: ev.peak_rss_mb, alerts: ev.alerts, note: `${ev.matches} matches; batches prebuilt` });
  for (const p of ev.workers) {
    rows.push(
      p.available
        ? { input: name, bench: 'evaluate', workers: p.workers, events: ev.events, seconds: p.seconds, eps: p.events_per_s, mbps: p.mb_per_s, ratio: `${p.time_vs_parse_only}×`, rss: ev.peak_rss_mb_with_workers, alerts: p.alerts, note: `${p.matches} matches; ${p.note}` }
        : { input: name, bench: 'evaluate', workers: p.workers, note: p.note },
    );
  }
}

section('summary');
printTable(rows, [
  ['input', 'input'],
  ['benchmark', 'bench'],
  ['workers', 'workers'],
  ['events', 'events'],
  ['seconds', 'seconds'],
  ['events/s', 'eps'],
  ['MB/s', 'mbps'],
  ['time vs parse-only', 'ratio'],
  ['peak RSS MB', 'rss'],
  ['alerts', 'alerts'],
  ['note', 'note'],
]);

// Read-only git queries: which code these numbers belong to. GIT_OPTIONAL_LOCKS=0 keeps
// `git status` from refreshing the index file behind the other engineers' backs.
const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).stdout?.trim() ?? null;
const summary = {
  benchmark: 'run-all',
  started: started.toISOString(),
  seconds: Math.round((Date.now() - started.getTime()) / 1000),
  commit: git('rev-parse', 'HEAD'),
  dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
  ...machine(),
  corpus,
  summary: rows,
  results,
};
mkdirSync(join(root, 'benchmarks', 'out'), { recursive: true });
const out = join(root, 'benchmarks', 'out', 'results.json');
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\nwritten ${out}`);
console.log(JSON.stringify({ benchmark: 'run-all', results_file: out, summary: rows }));
