// Child of startup.bench.mjs: the steps of a one-event `siemlite hunt` (--pipeline auto)
// through the library, each stamped with the time since the process started (and the CPU
// time used so far, which a busy machine inflates less), printed as one JSON line. Run in a
// fresh process each time: module loading is one of the steps.
//   node benchmarks/lib/startup-phases.mjs CACHE_DIR EVENT_FILE RULE_DIR...
import { performance } from 'node:perf_hooks';

const cpuMs = () => {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
};
const stamp = () => Math.round(performance.now());
const phases = { process_started: 0 };
const cpu = {};
const [cacheDir, eventFile, ...ruleDirs] = process.argv.slice(2);
const { createDetectorPool, readRawRecords } = await import('../../packages/core/dist/index.js');
const { loadBuiltinPipeline, loadRules, processRules } = await import('../../packages/rules/dist/index.js');
phases.modules_loaded = stamp();
cpu.modules_loaded = cpuMs();
const base = loadRules(ruleDirs, { cache: { dir: cacheDir } });
phases.rules_loaded = stamp();
cpu.rules_loaded = cpuMs();
const { pipeline } = loadBuiltinPipeline('windows', undefined, { cache: { dir: cacheDir } }); // as hunt does
phases.pipeline_loaded = stamp();
cpu.pipeline_loaded = cpuMs();
const processed = processRules(base.rules, [pipeline]);
phases.rules_processed = stamp();
cpu.rules_processed = cpuMs();
const pool = createDetectorPool({
  ruleSets: [
    { rules: processed.rules.filter((r) => r.isMapped), events: 'windows' },
    { rules: base.rules, events: 'by-logsource' },
  ],
  workers: 0,
});
let alerts = 0;
let events = 0;
for await (const r of pool.detect(readRawRecords([eventFile]))) {
  alerts += r.alerts.length;
  events += r.events;
  if (phases.first_event_evaluated === undefined && r.events > 0) {
    phases.first_event_evaluated = stamp();
    cpu.first_event_evaluated = cpuMs();
  }
}
await pool.close();
console.log(JSON.stringify({ phases, cpu, rules: base.rules.length, events, alerts }));
