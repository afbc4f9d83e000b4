// Benchmark: start-up of a hunt with the full SigmaHQ rule set (the three rule folders, the
// windows pipeline) and a warm rule cache, as a hunter's repeated runs start: the time from
// process start until the first event has been evaluated (issue 14: under 1 s).
//   npm run build && node benchmarks/startup.bench.mjs [FILE] [--runs 5]
// Two measurements, each the median of --runs fresh processes after one run that fills a
// fresh cache folder:
// - `siemlite hunt --quiet --workers 0 --output TMP` over the first event of FILE (default: the
//   OTRF Windows dataset), wall time of the whole process (exit included, so an upper bound
//   of "first event evaluated");
// - the same steps through the library in a child (lib/startup-phases.mjs), each stamped with
//   the time since the process started and the CPU time used (less inflated by a busy machine): modules loaded, rules loaded (cache), pipeline
//   loaded, rules processed, first event evaluated (compile + first batch).
// The whole `hunt` process is also timed with `--workers 2` (worker threads start, receive the
// rules, decode and compile those the event reaches), as a hunt over a large input starts.
// `node -e 0` is measured too: the floor no Node program starts under.
// Both are measured for two events: the first event of FILE, and its first Sysmon process
// creation (EventID 1), whose rule subset is the largest (the evaluator compiles, on an
// event's arrival, the rules its Channel and EventID can reach: core/detect/key-routing).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SIGMA_RULE_DIRS, cli, eachLine, lastJson, machine, median, printTable, round, shared } from './lib/common.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '5' } } });
const runs = Math.max(1, Number(values.runs));
const source = positionals[0] ?? resolve(shared, 'datasets', 'otrf_security_datasets_windows.jsonl.gz');
for (const need of [cli, source, ...SIGMA_RULE_DIRS]) {
  if (!existsSync(need)) {
    console.error(`${need} not found (build with \`npx turbo run build\`; shared data through SIEMLITE_SHARED)`);
    process.exit(2);
  }
}
const work = mkdtempSync(join(tmpdir(), 'siemlite-startup-'));
const cacheDir = join(work, 'cache');
const eventFile = join(work, 'one.jsonl');
const processFile = join(work, 'process-creation.jsonl');
let first = null;
let processCreation = null;
await eachLine(source, (line) => {
  if (line.trim() === '') return true;
  first ??= line;
  const e = JSON.parse(line);
  const flat = e.Event?.System ?? e;
  if (/^microsoft-windows-sysmon\/operational$/i.test(String(flat.Channel)) && Number(flat.EventID) === 1) processCreation = line;
  return processCreation === null;
});
writeFileSync(eventFile, `${first}\n`);
if (processCreation !== null) writeFileSync(processFile, `${processCreation}\n`);
const env = { ...process.env, SIEMLITE_CACHE_DIR: cacheDir };
const ruleArgs = SIGMA_RULE_DIRS.flatMap((d) => ['--rules', d]);

function wall(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    console.error(r.stderr.slice(-3000));
    throw new Error(`${args.join(' ')} exited ${r.status}`);
  }
  return { ms, stdout: r.stdout };
}
const huntArgs = (file, workers = 0) => [cli, 'hunt', '--quiet', '--workers', String(workers), '--output', join(work, 'alerts.jsonl'), ...ruleArgs, file];
const phasesArgs = (file) => [fileURLToPath(new URL('./lib/startup-phases.mjs', import.meta.url)), cacheDir, file, ...SIGMA_RULE_DIRS];

const cold = wall(huntArgs(eventFile)).ms; // fills the cache
const nodeOnly = [];
const cases = [{ label: 'first event', file: eventFile, hunts: [], workerHunts: [], phaseRuns: [] }];
if (processCreation !== null) cases.push({ label: 'first Sysmon process creation', file: processFile, hunts: [], workerHunts: [], phaseRuns: [] });
for (let i = 0; i < runs; i++) {
  nodeOnly.push(wall(['-e', '0']).ms);
  for (const c of cases) {
    c.hunts.push(wall(huntArgs(c.file)).ms);
    c.workerHunts.push(wall(huntArgs(c.file, 2)).ms);
    c.phaseRuns.push(lastJson(wall(phasesArgs(c.file)).stdout));
  }
}
rmSync(work, { recursive: true, force: true });

const names = ['modules_loaded', 'rules_loaded', 'pipeline_loaded', 'rules_processed', 'first_event_evaluated'];
const rows = [
  { m: '`node -e 0` (floor)', v: round(median(nodeOnly)) },
  { m: 'hunt, 1 event, cold rule cache (once)', v: round(cold) },
];
for (const c of cases) {
  c.phaseMedian = Object.fromEntries(names.map((n) => [n, median(c.phaseRuns.map((p) => p.phases[n]))]));
  c.cpuMedian = Object.fromEntries(names.map((n) => [n, median(c.phaseRuns.map((p) => p.cpu[n]))]));
  rows.push({ m: `${c.label}: hunt, warm rule cache (median of ${runs})`, v: round(median(c.hunts)) });
  rows.push({ m: `${c.label}: hunt --workers 2, warm rule cache (median of ${runs})`, v: round(median(c.workerHunts)) });
  let previous = 0;
  let previousCpu = 0;
  for (const n of names) {
    rows.push({ m: `${c.label}: library ${n.replaceAll('_', ' ')} at`, v: c.phaseMedian[n], d: c.phaseMedian[n] - previous, c: c.cpuMedian[n], dc: c.cpuMedian[n] - previousCpu });
    previous = c.phaseMedian[n];
    previousCpu = c.cpuMedian[n];
  }
}
console.log(`start-up: ${cases[0].phaseRuns[0].rules.toLocaleString('en-US')} rules (${SIGMA_RULE_DIRS.length} folders), windows pipeline, events of ${source}`);
printTable(rows, [['measure', 'm'], ['ms', 'v'], ['step ms', 'd'], ['CPU ms', 'c'], ['step CPU ms', 'dc']]);
console.log(
  JSON.stringify({
    benchmark: 'startup',
    rules: cases[0].phaseRuns[0].rules,
    runs,
    node_floor_ms: round(median(nodeOnly)),
    hunt_cold_cache_ms: round(cold),
    hunt_warm_cache_ms: round(median(cases[0].hunts)),
    hunt_workers2_warm_cache_ms: round(median(cases[0].workerHunts)),
    library_phases_ms: cases[0].phaseMedian,
    library_phases_cpu_ms: cases[0].cpuMedian,
    ...(cases[1] === undefined
      ? {}
      : {
          process_creation_hunt_warm_cache_ms: round(median(cases[1].hunts)),
          process_creation_hunt_workers2_warm_cache_ms: round(median(cases[1].workerHunts)),
          process_creation_phases_ms: cases[1].phaseMedian,
          process_creation_phases_cpu_ms: cases[1].cpuMedian,
        }),
    alerts: cases[0].phaseRuns[0].alerts,
    ...machine(),
  }),
);
