// Benchmark: live detection lag. Real Windows events (evtx_dump JSON from shared/datasets:
// the attack recordings of evtx_attack_samples interleaved with OTRF lab-host background,
// 1 : 3) are written at a fixed rate into the stdin of a running `siemlite hunt -` with the
// full SigmaHQ rule set (rules, rules-emerging-threats, rules-threat-hunting; --pipeline
// auto), and each alert's lag is taken: the time its line is read on hunt's stdout minus
// the time its event was due to be written (the schedule, so a feeder or pipe that falls
// behind counts against the lag). Rates go up until p99 passes 1 s; the result is the
// highest rate whose p99 stayed under 1 s, per --workers value.
//
// Each rate runs in a fresh hunt: warm-up events are written slowly until the first alert
// (rule loading and compiling are not counted), then --warmup seconds at the rate, not
// measured (the steady state is: a second worker thread starts, and compiles the rules, only
// when two chunks are first in flight at once, and field matchers are built on first use),
// then --seconds of events at the rate, measured; then stdin is closed and every remaining
// alert is read (an overloaded run's backlog counts).
// Run after building (`npx turbo run build`):
//   node benchmarks/live-lag.bench.mjs [--rates 1000,2000,3000,4000,5000,7500,10000,20000] [--seconds 10] [--warmup 5] [--workers 1,2]
// Prints a table and one JSON line (machine-readable) at the end. Never asserted in tests.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import { SIGMA_RULE_DIRS, cli, datasetLines, eachLine, fmtInt, machine, printTable, round, shared } from './lib/common.mjs';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1000,2000,3000,4000,5000,7500,10000,20000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    workers: { type: 'string', default: '1,2' },
  },
});
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
const workerCounts = values.workers.split(',').map(Number);
const LIMIT_MS = 1000;
const TICK_MS = 5;
const BACKGROUND_EVENTS = 60_000;

if (!existsSync(cli)) {
  console.error(`${cli} not found: build first (npx turbo run build)`);
  process.exit(2);
}
for (const dir of SIGMA_RULE_DIRS) {
  if (!existsSync(dir)) {
    console.error(`${dir} not found (set SIEMLITE_SHARED)`);
    process.exit(2);
  }
}

const attacks = datasetLines('evtx_attack_samples.jsonl.gz');
const background = [];
await eachLine(resolve(shared, 'datasets/otrf_security_datasets_windows.jsonl.gz'), (line) => {
  if (line.length > 0) background.push(line);
  return background.length < BACKGROUND_EVENTS;
});
const events = [];
for (let a = 0, b = 0; a < attacks.length || b < background.length; ) {
  if (a < attacks.length) events.push(attacks[a++]);
  for (let k = 0; k < 3 && b < background.length; k++) events.push(background[b++]);
}
console.log(`${fmtInt(events.length)} events (${fmtInt(attacks.length)} evtx_attack_samples, ${fmtInt(background.length)} OTRF background), written in a cycle`);

const RECORD = /"source":\{"path":"<stdin>","record":(\d+)\}/;

/** One hunt at one rate: the lags of the alerts of the events written at that rate. */
async function run(workers, rate) {
  const args = [cli, 'hunt', '--format', 'jsonl', '--workers', String(workers), ...SIGMA_RULE_DIRS.flatMap((d) => ['--rules', d]), '-'];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t) => (stderr += t));
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  child.stdin.on('error', () => {}); // EPIPE if hunt dies: reported through its exit code

  const warmCount = Math.ceil(rate * warmupSeconds);
  const total = warmCount + Math.ceil(rate * seconds);
  /** Due time of record r (1-based stdin record number), from the first record written at the rate. */
  const due = new Float64Array(total);
  let firstScheduled = Number.POSITIVE_INFINITY;
  let firstMeasured = Number.POSITIVE_INFINITY;
  let written = 0; // records written so far
  let firstAlert = null;
  const lags = [];
  let alerts = 0;
  let alertsBefore = 0;
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    const now = performance.now();
    const lines = (partial + text).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      alerts++;
      firstAlert?.();
      const m = RECORD.exec(line);
      if (m === null) continue; // a correlation alert: no single event
      const r = Number(m[1]);
      if (r >= firstMeasured) lags.push(now - due[r - firstScheduled]);
      else if (r >= firstScheduled) alertsBefore++;
    }
  });
  const write = (from, to) => {
    const chunk = [];
    for (let i = from; i < to; i++) chunk.push(events[i % events.length]);
    child.stdin.write(`${chunk.join('\n')}\n`);
  };

  // Warm-up: an attack event every 200 ms until one alerts (the rules are loaded and compiled).
  const warm = new Promise((r) => (firstAlert = r));
  const started = performance.now();
  while (performance.now() - started < 180_000) {
    write(written, written + 1);
    written++;
    const ok = await Promise.race([warm.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
    if (ok) break;
  }
  firstAlert = null;
  if (alerts === 0) throw new Error(`hunt gave no alert during warm-up:\n${stderr}`);
  alertsBefore = alerts;

  // At the rate: --warmup seconds unmeasured (every worker thread started, field matchers
  // built), then --seconds measured; record firstScheduled + i is due at t0 + i / rate.
  firstScheduled = written + 1;
  firstMeasured = firstScheduled + warmCount;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) due[i] = t0 + (i * 1000) / rate;
  let sent = 0;
  await new Promise((done) => {
    const tick = () => {
      const now = performance.now();
      const target = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      if (target > sent) {
        write(written, written + target - sent);
        written += target - sent;
        sent = target;
      }
      if (sent >= total) done();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const feedSeconds = (performance.now() - t0) / 1000 - warmupSeconds;
  child.stdin.end(); // hunt reads what is left, hands out every alert and exits
  const code = await exited;
  if (code !== 0) throw new Error(`hunt exited with ${code}:\n${stderr}`);
  lags.sort((a, b) => a - b);
  const q = (p) => (lags.length === 0 ? null : round(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]));
  return {
    workers,
    rate,
    fed_per_s: Math.round((total - warmCount) / feedSeconds),
    alerts: alerts - alertsBefore,
    lag_p50_ms: q(0.5),
    lag_p95_ms: q(0.95),
    lag_p99_ms: q(0.99),
    lag_max_ms: lags.length === 0 ? null : round(lags[lags.length - 1]),
    events_read: Number(((/([\d,]+) events from/.exec(stderr) ?? [])[1] ?? '0').replaceAll(',', '')),
  };
}

const rows = [];
const best = {};
for (const workers of workerCounts) {
  best[workers] = null;
  for (const rate of rates) {
    const row = await run(workers, rate);
    rows.push(row);
    console.log(`--workers ${workers}, ${fmtInt(rate)} events/s: p50 ${row.lag_p50_ms} ms, p99 ${row.lag_p99_ms} ms, max ${row.lag_max_ms} ms (${fmtInt(row.alerts)} alerts)`);
    if (row.lag_p99_ms === null || row.lag_p99_ms >= LIMIT_MS) break;
    best[workers] = rate;
  }
}
console.log();
printTable(rows, [
  ['workers', 'workers'],
  ['events/s', 'rate'],
  ['fed/s', 'fed_per_s'],
  ['alerts', 'alerts'],
  ['p50 ms', 'lag_p50_ms'],
  ['p95 ms', 'lag_p95_ms'],
  ['p99 ms', 'lag_p99_ms'],
  ['max ms', 'lag_max_ms'],
]);
for (const workers of workerCounts) {
  console.log(`--workers ${workers}: highest rate tried with p99 lag under 1 s: ${best[workers] === null ? 'none' : `${fmtInt(best[workers])} events/s`}`);
}
console.log(JSON.stringify({ benchmark: 'live-lag', seconds, rates, best_rate_by_workers: best, rows, machine: machine() }));
