// Benchmark: the whole engine end to end, as a user runs it: the built CLI reading FILE,
// loading and compiling the SigmaHQ rules, evaluating, writing alerts as JSON Lines.
//   npm run build && node benchmarks/hunt.bench.mjs FILE [--rules DIR]... [--workers 1,2]
//                    [--max-seconds 1800] [--parse-runs 3] [--baseline JSON] [--keep-alerts]
// Each run is `siemlite hunt --quiet --format jsonl --output <tmp> --rules ... [--workers N]
// FILE` under /usr/bin/time (peak RSS, wall time) and `timeout` (--max-seconds: a run that
// hits it is reported as incomplete, with the last alerted record as a lower bound on how far
// it got). --workers is passed only if `hunt --help` mentions it; otherwise one run is made
// and the table says so. Alerts are the lines of the output file, so a fast but wrong run
// shows up. parse-only runs on the same file for the ratio (or --baseline: a parse-only
// result line, as run-all passes). A one-event hunt measures the fixed startup cost (rule
// loading and compiling), reported apart because it does not grow with the input. The CLI
// caches loaded rules (--no-rule-cache turns it off): runs here use a fresh cache folder, the
// first one-event hunt fills it (startup, cold cache), a second measures startup with a warm
// cache, and the timed runs start warm, as a hunter's repeated runs do.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Buffer } from 'node:buffer';
import { SIGMA_RULE_DIRS, cli, eachLine, machine, printTable, round, runBenchmark } from './lib/common.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rules: { type: 'string', multiple: true },
    workers: { type: 'string', default: '1,2' },
    'max-seconds': { type: 'string', default: '1800' },
    'parse-runs': { type: 'string', default: '3' },
    baseline: { type: 'string' },
    'keep-alerts': { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (file === undefined || !existsSync(file)) {
  console.error('usage: hunt.bench.mjs FILE [--rules DIR]... [--workers 1,2] [--max-seconds S] [--parse-runs N] [--baseline JSON]');
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error(`${cli} not found: run \`npx turbo run build\` first`);
  process.exit(2);
}
const rules = values.rules ?? SIGMA_RULE_DIRS;
const maxSeconds = Number(values['max-seconds']);

const help = spawnSync(process.execPath, [cli, 'hunt', '--help'], { encoding: 'utf8' }).stdout;
const workersSupported = help.includes('--workers');
const workerCounts = workersSupported ? values.workers.split(',').map(Number) : [null];

// The yardstick on the same file (events counted here are the events of the file).
const parse = values.baseline
  ? JSON.parse(values.baseline)
  : runBenchmark('parse-only.bench.mjs', [file, '--runs', values['parse-runs']], { echo: false });
const { events, bytes } = parse;

function hunt(input, workers, output) {
  const args = ['-f', '%M %e %U %S', 'timeout', String(maxSeconds), process.execPath, cli, 'hunt', '--quiet', '--format', 'jsonl', '--output', output];
  for (const r of rules) args.push('--rules', r);
  if (workers !== null) args.push('--workers', String(workers));
  args.push(input);
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, SIEMLITE_CACHE_DIR: cacheDir } });
  const lines = r.stderr.trim().split('\n');
  const [kb, seconds, user, system] = (lines.at(-1) ?? '').split(' ').map(Number);
  const timedOut = r.status === 124;
  const stderr = lines.slice(0, -1).filter((l) => !l.startsWith('Command exited'));
  // A failed run is reported, not thrown: the other runs (and run-all) still say something.
  const failed = r.status !== 0 && !timedOut ? `failed (exit ${r.status}): ${stderr.find((l) => /error/i.test(l)) ?? stderr.at(-1) ?? ''}` : null;
  if (failed !== null) console.error(r.stderr.slice(-4000));
  // CPU time (all threads, user + system): what a busy machine inflates least.
  return { seconds, cpuSeconds: round(user + system, 2), peakRssMb: Math.round(kb / 1024), timedOut, failed, stderr };
}

/** Alerts written, and the highest record number alerted (how far a cut-off run got). */
async function countAlerts(output) {
  let alerts = 0;
  let lastRecord = 0;
  await eachLine(output, (line) => {
    if (line.length === 0) return;
    alerts++;
    try {
      lastRecord = Math.max(lastRecord, JSON.parse(line).source?.record ?? 0);
    } catch {
      // a line cut by the timeout
    }
  });
  return { alerts, lastRecord };
}

/** The first event of FILE on its own: hunting it costs only startup (load + compile rules). */
function firstEventFile() {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 24);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const nl = buf.subarray(0, n).indexOf(10);
  const one = join(tmpdir(), `siemlite-hunt-bench-one-${process.pid}.jsonl`);
  writeFileSync(one, buf.subarray(0, nl < 0 ? n : nl + 1));
  return one;
}

const alertsFile = (w) => join(tmpdir(), `siemlite-hunt-bench-alerts-${process.pid}-w${w ?? 'default'}.jsonl`);
console.error(`hunt: ${file} (${(bytes / 1e6).toFixed(1)} MB, ${events.toLocaleString('en-US')} events), rules: ${rules.join(' ')}`);
const cacheDir = mkdtempSync(join(tmpdir(), 'siemlite-hunt-bench-cache-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
const one = firstEventFile();
const startupCold = hunt(one, workerCounts[0], alertsFile('startup'));
const startup = hunt(one, workerCounts[0], alertsFile('startup'));
unlinkSync(one);
if (existsSync(alertsFile('startup'))) unlinkSync(alertsFile('startup'));
console.error(`startup (1-event hunt): cold rule cache ${startupCold.failed ?? `${startupCold.seconds} s`}, warm ${startup.failed ?? `${startup.seconds} s, ${startup.peakRssMb} MB`}`);

const runs = [];
for (const w of workerCounts) {
  console.error(`running hunt${w === null ? '' : ` --workers ${w}`} (at most ${maxSeconds} s) ...`);
  const output = alertsFile(w);
  const h = hunt(file, w, output);
  // Rule-load diagnostics repeat on every run: show a count and the first one.
  if (h.stderr.length > 0) console.error(`  hunt stderr: ${h.stderr.length} lines, first: ${h.stderr[0]}`);
  const { alerts, lastRecord } = existsSync(output) ? await countAlerts(output) : { alerts: 0, lastRecord: 0 };
  // A cut-off run processed at least up to its last alerted record: a lower bound.
  const done = h.failed !== null ? null : h.timedOut ? lastRecord : events;
  const eps = done / h.seconds;
  runs.push({
    workers: w ?? 'n/a (no --workers)',
    status: h.failed ?? (h.timedOut ? `timeout at ${maxSeconds} s` : 'ok'),
    events: done,
    seconds: h.seconds,
    cpu_seconds: h.cpuSeconds,
    cpu_us_per_event: done === null || done === 0 ? null : round((h.cpuSeconds * 1e6) / done, 1),
    events_per_s: done === null ? null : Math.round(eps),
    events_per_s_after_startup: done !== null && startup.failed === null && h.seconds > startup.seconds ? Math.round(done / (h.seconds - startup.seconds)) : null,
    mb_per_s: done === null || h.timedOut ? null : round(bytes / 1e6 / h.seconds, 1),
    time_vs_parse_only: done === null ? null : round(parse.events_per_s / eps, 1),
    peak_rss_mb: h.peakRssMb,
    alerts: h.failed === null ? alerts : null,
    alerts_file: values['keep-alerts'] ? output : null,
  });
  if (!values['keep-alerts'] && existsSync(output)) unlinkSync(output);
}

const table = [
  { run: 'parse-only (1 thread)', events: events, seconds: round(parse.seconds, 2), eps: parse.events_per_s, mbps: parse.mb_per_s, ratio: '1.0×', rss: parse.peak_rss_mb ?? null, alerts: null, status: 'ok' },
  ...runs.map((r) => ({
    run: r.workers === 'n/a (no --workers)' ? 'hunt (no --workers option)' : `hunt --workers ${r.workers}`,
    events: r.events,
    seconds: r.seconds,
    cpu: r.cpu_seconds,
    cpuev: r.cpu_us_per_event,
    eps: r.events_per_s,
    eps2: r.events_per_s_after_startup,
    mbps: r.mb_per_s,
    ratio: r.time_vs_parse_only === null ? null : `${r.time_vs_parse_only}×`,
    rss: r.peak_rss_mb,
    alerts: r.alerts,
    status: r.status,
  })),
];
console.log(`hunt: ${file}, ${events.toLocaleString('en-US')} events, ${(bytes / 1e6).toFixed(1)} MB; startup ${startup.seconds} s with a warm rule cache, ${startupCold.seconds} s cold (rules: ${rules.length} folders)`);
if (!workersSupported) console.log('note: this build of `siemlite hunt` has no --workers option: one run without it');
printTable(table, [
  ['run', 'run'],
  ['events', 'events'],
  ['wall s', 'seconds'],
  ['CPU s', 'cpu'],
  ['CPU µs/event', 'cpuev'],
  ['events/s', 'eps'],
  ['events/s excl. startup', 'eps2'],
  ['MB/s', 'mbps'],
  ['time vs parse-only', 'ratio'],
  ['peak RSS MB', 'rss'],
  ['alerts', 'alerts'],
  ['status', 'status'],
]);
console.log(
  JSON.stringify({
    benchmark: 'hunt',
    file,
    events,
    bytes,
    rules,
    workers_supported: workersSupported,
    startup_s: startup.failed === null ? startup.seconds : null,
    startup_cold_cache_s: startupCold.failed === null ? startupCold.seconds : null,
    startup_peak_rss_mb: startup.peakRssMb,
    parse_only: { events_per_s: parse.events_per_s, mb_per_s: parse.mb_per_s, seconds: round(parse.seconds, 3) },
    runs,
    file_bytes: statSync(file).size,
    ...machine(),
  }),
);
