// Benchmark: rule evaluation alone, the library path without I/O. Loads the SigmaHQ rules
// with the windows pipeline (the rules `hunt` runs on Windows events), compiles them once,
// reads, normalizes and batches the first --events events of FILE (not timed), then times
// evaluateBatch over all the batches on one thread (after one untimed warm-up pass).
//   npm run build && node benchmarks/evaluate.bench.mjs FILE [--events 300000] [--runs 1]
//                    [--batch-rows 2048] [--workers 1,2] [--young-mb 0] [--rules DIR]... [--baseline JSON]
// Batches are built while reading, so only the batches stay in memory, not the events.
// Matches are (rule, event) pairs from evaluateBatch; alerts leave out rules that do not
// alert on their own (correlation members with generate: false), as hunt does, so on the
// same events this number should equal hunt's alert count.
// With --workers N,M (default 1,2): the same batches through core's DetectorPool as Arrow
// IPC bytes, with N and then M worker threads; each run's speed-up is given against the one
// thread (batches built beforehand, nothing to decode) and against one worker. --young-mb
// sets the workers' young generation (DetectorPoolOptions.youngGenerationMb; default 0: V8's own).
// CPU s is the whole process's user + system time over the timed part, all threads (process.cpuUsage()):
// on a machine shared with other work it moves less than wall time, and with workers it shows
// what decoding costs beside evaluating. On Linux, the pool runs also split it by thread
// (/proc/self/task): this thread, the pool's worker threads, and the other threads, which are
// V8's helpers (garbage collection and optimizing compiles for every isolate) and libuv's.
// With 2 cores and 2 workers, what the helpers and this thread use is taken from the workers.
import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as core from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';
import { SIGMA_RULE_DIRS, eachLine, machine, median, peakRssMb, printTable, round, runBenchmark, threadCpuSeconds } from './lib/common.mjs';

const { BatchBuilder, compileRuleSet, evaluateBatch, isEvtxEvent, normalizeEvent } = core;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '300000' },
    runs: { type: 'string', default: '1' },
    'batch-rows': { type: 'string', default: '2048' },
    rules: { type: 'string', multiple: true },
    baseline: { type: 'string' },
    workers: { type: 'string', default: '1,2' },
    'young-mb': { type: 'string', default: '0' },
  },
});
const file = positionals[0];
if (file === undefined || !existsSync(file)) {
  console.error('usage: evaluate.bench.mjs FILE [--events N] [--runs N] [--batch-rows N] [--rules DIR]... [--workers N,M] [--young-mb MB] [--baseline JSON]');
  process.exit(2);
}
const maxEvents = Number(values.events);
const batchRows = Number(values['batch-rows']);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// Rules: as hunt does for Windows events (mapped logsources only).
let t0 = process.hrtime.bigint();
const { pipeline } = loadBuiltinPipeline('windows');
const ruleSet = loadRules(values.rules ?? SIGMA_RULE_DIRS, { pipelines: pipeline ? [pipeline] : [] });
const rules = ruleSet.rules.filter((r) => r.isMapped);
const loadMs = ms(t0);
t0 = process.hrtime.bigint();
const plan = compileRuleSet(rules);
const compileMs = ms(t0);
const alerting = Uint8Array.from(rules, (r) => (r.shouldAlert ? 1 : 0));

// Events -> batches, untimed. Same test as hunt for "is this a Windows event" (core's,
// once it exports one; the CLI's rule before that).
const isWindows = core.isWindowsEvent ?? ((v) => isEvtxEvent(v) || ('EventID' in v && ('Channel' in v || 'Provider_Name' in v || 'SourceName' in v)));
const builder = new BatchBuilder({ fields: plan.fields, withKeywords: plan.hasKeywords });
const batches = [];
let pending = [];
let sources = [];
let events = 0;
let skipped = 0;
let bytes = 0;
t0 = process.hrtime.bigint();
await eachLine(file, (line) => {
  if (events >= maxEvents) return false;
  if (line.length === 0 || line === '\r') return true;
  const value = JSON.parse(line);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isWindows(value)) {
    skipped++;
    return true;
  }
  events++;
  bytes += Buffer.byteLength(line) + 1;
  pending.push(normalizeEvent(value));
  sources.push(value); // keyword search reads the record as read (BatchBuilder#build)
  if (pending.length === batchRows) {
    batches.push(builder.build(pending, sources));
    pending = [];
    sources = [];
  }
  return true;
});
if (pending.length > 0) batches.push(builder.build(pending, sources));
pending = [];
const prepareMs = ms(t0);

/** CPU seconds (user + system) of the whole process, all threads, since `from` (process.cpuUsage()). */
const cpuSince = (from) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

function evaluateAll() {
  let matches = 0;
  let alerts = 0;
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (const b of batches) {
    const m = evaluateBatch(plan, b);
    matches += m.count;
    for (let i = 0; i < m.count; i++) alerts += alerting[m.ruleIndexes[i]];
  }
  return { seconds: ms(t) / 1000, cpu: cpuSince(c), matches, alerts };
}

/**
 * The same batches on `workers` threads through core's DetectorPool, when core has one.
 * Batches travel as Arrow IPC bytes, as in the design: they are encoded here, untimed (a
 * reader would hand them over encoded), and the timed part is the transfer, the decode in
 * the workers, evaluateBatch there, and the matches coming back in order.
 */
async function evaluateWithWorkers(workers) {
  if (typeof core.createDetectorPool !== 'function' || typeof core.encodeBatch !== 'function') {
    return { available: false, workers, note: 'not available yet' };
  }
  const ipc = batches.map((b) => core.encodeBatch(b));
  const young = Number(values['young-mb']);
  const threadsBefore = threadCpuSeconds();
  const pool = core.createDetectorPool({ ruleSets: [{ rules }], workers, ...(young > 0 ? { youngGenerationMb: young } : {}) });
  try {
    // Each worker compiles the rules when it starts and builds field matchers on first use:
    // an untimed pass over all batches (both threads get work) warms them up.
    for await (const _ of pool.evaluateArrowBatches(ipc));
    const timed = [];
    for (let run = 0; run < runs; run++) {
      let matches = 0;
      let alerts = 0;
      const c = process.cpuUsage();
      const threadsAtStart = threadCpuSeconds();
      const t = process.hrtime.bigint();
      for await (const m of pool.evaluateArrowBatches(ipc)) {
        matches += m.count;
        for (let i = 0; i < m.count; i++) alerts += alerting[m.ruleIndexes[i]];
      }
      const seconds = ms(t) / 1000;
      timed.push({ seconds, cpu: cpuSince(c), matches, alerts, byThread: cpuByThread(threadsBefore, threadsAtStart, threadCpuSeconds()) });
    }
    const seconds = median(timed.map((t) => t.seconds));
    const cpu = median(timed.map((t) => t.cpu));
    const byThread = timed.find((t) => t.seconds === seconds)?.byThread ?? null;
    return { available: true, workers, seconds: round(seconds, 3), cpu_seconds: round(cpu, 3), cpu_us_per_event: round((cpu * 1e6) / events, 1), cpu_by_thread: byThread, events_per_s: Math.round(events / seconds), mb_per_s: round(bytes / 1e6 / seconds, 1), matches: timed[0].matches, alerts: timed[0].alerts, note: 'DetectorPool.evaluateArrowBatches' };
  } catch (error) {
    // Reported in the table; the single-thread result above still stands.
    console.error(error);
    return { available: false, workers, note: `FAILED: ${error.message.split('\n')[0]}` };
  } finally {
    await pool.close();
  }
}

/**
 * CPU seconds between two per-thread snapshots (threadCpuSeconds), split three ways: this
 * thread; the pool's threads (ids absent from `before`, taken before the pool started); and
 * the other threads of the process, which are V8's helpers (concurrent and parallel garbage
 * collection, optimizing compiles, for every isolate of the process) and libuv's. Null off Linux.
 */
function cpuByThread(before, start, end) {
  if (before === null || start === null || end === null) return null;
  const split = { main: 0, pool: 0, other: 0 };
  for (const [tid, cpu] of end) {
    const used = cpu - (start.get(tid) ?? 0);
    if (tid === process.pid) split.main += used;
    else if (!before.has(tid)) split.pool += used;
    else split.other += used;
  }
  return { main: round(split.main, 2), pool: round(split.pool, 2), other: round(split.other, 2) };
}

const runs = Math.max(1, Number(values.runs));
const timings = [];
// One untimed pass first, here and in each worker: field matchers are built on first use,
// so the timed runs measure the steady state of a long hunt, not its first batches.
const warmUp = evaluateAll();
for (let i = 0; i < runs; i++) timings.push(evaluateAll());
const seconds = median(timings.map((t) => t.seconds));
const cpuSeconds = median(timings.map((t) => t.cpu));
const { matches, alerts } = timings[0];
const singleRssMb = peakRssMb(); // before the pool adds its workers' heaps to the process
const pooled = [];
for (const w of values.workers.split(',').map(Number)) pooled.push(await evaluateWithWorkers(w));

// The yardstick in a fresh process: this one now holds the rules and batches, and a
// big heap would slow JSON.parse's garbage collection and flatter the ratio.
const parse = values.baseline ? JSON.parse(values.baseline) : runBenchmark('parse-only.bench.mjs', [file, '--runs', '1'], { echo: false });
const eps = events / seconds;
const ratio = (x) => round(parse.events_per_s / x, 1);
// Speed-ups: against the one thread above (batches built beforehand, nothing to decode),
// and against one worker (the same IPC bytes, decoded and evaluated on one thread whose
// heap holds only the rules: the like-for-like baseline of the pool).
const oneWorker = pooled.find((p) => p.available && p.workers === 1);
const withWorkers = pooled.map((p) =>
  p.available
    ? {
        ...p,
        time_vs_parse_only: ratio(p.events_per_s),
        same_matches_as_1_thread: p.matches === matches,
        speedup_vs_1_thread: round(p.events_per_s / eps, 2),
        speedup_vs_1_worker: oneWorker === undefined ? null : round(p.events_per_s / oneWorker.events_per_s, 2),
      }
    : p,
);
const result = {
  benchmark: 'evaluate',
  file,
  events,
  skipped_non_windows: skipped,
  bytes,
  rules: rules.length,
  rules_unmapped: ruleSet.rules.length - rules.length,
  fields: plan.fields.length,
  batches: batches.length,
  batch_rows: batchRows,
  load_ms: Math.round(loadMs),
  compile_ms: Math.round(compileMs),
  prepare_ms: Math.round(prepareMs),
  runs: timings.length,
  seconds: round(seconds, 3),
  cpu_seconds: round(cpuSeconds, 3),
  cpu_us_per_event: round((cpuSeconds * 1e6) / events, 1),
  first_run_seconds: round(warmUp.seconds, 3),
  events_per_s: Math.round(eps),
  mb_per_s: round(bytes / 1e6 / seconds, 1),
  time_vs_parse_only: ratio(eps),
  parse_only_events_per_s: parse.events_per_s,
  peak_rss_mb: singleRssMb,
  peak_rss_mb_with_workers: peakRssMb(),
  matches,
  alerts,
  workers: withWorkers,
  young_generation_mb: Number(values['young-mb']),
  ...machine(),
};
console.log(`evaluate: evaluateBatch over ${batches.length} batches of ${batchRows} rows, ${rules.length} rules, ${plan.fields.length} fields (${file})`);
console.log(`  untimed: load rules ${result.load_ms} ms, compile ${result.compile_ms} ms, read+normalize+batch ${result.prepare_ms} ms`);
printTable(
  [
    { run: '1 thread', events, seconds: result.seconds, cpu: result.cpu_seconds, cpuPer: result.cpu_us_per_event, eps: result.events_per_s, mbps: result.mb_per_s, ratio: `${result.time_vs_parse_only}×`, rss: singleRssMb, matches, alerts, note: 'evaluateBatch, batches built beforehand' },
    ...withWorkers.map((p) =>
      p.available
        ? { run: `${p.workers} workers`, events, seconds: p.seconds, cpu: p.cpu_seconds, split: p.cpu_by_thread === null ? '—' : `${p.cpu_by_thread.main} / ${p.cpu_by_thread.pool} / ${p.cpu_by_thread.other}`, cpuPer: p.cpu_us_per_event, eps: p.events_per_s, mbps: p.mb_per_s, ratio: `${p.time_vs_parse_only}×`, rss: result.peak_rss_mb_with_workers, matches: p.matches, alerts: p.alerts, note: `${p.note}; ${p.speedup_vs_1_thread}× 1 thread${p.speedup_vs_1_worker === null ? '' : `, ${p.speedup_vs_1_worker}× 1 worker`}${p.same_matches_as_1_thread ? '' : ' — MATCHES DIFFER from 1 thread'}` }
        : { run: `${p.workers} workers`, note: p.note },
    ),
  ],
  [
    ['run', 'run'],
    ['events', 'events'],
    ['seconds', 'seconds'],
    ['CPU s', 'cpu'],
    ['CPU s main / pool / other threads', 'split'],
    ['CPU µs/event', 'cpuPer'],
    ['events/s', 'eps'],
    ['MB/s', 'mbps'],
    ['time vs parse-only', 'ratio'],
    ['peak RSS MB', 'rss'],
    ['matches', 'matches'],
    ['alerts', 'alerts'],
    ['note', 'note'],
  ],
);
console.log(JSON.stringify(result));
