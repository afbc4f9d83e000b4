// Benchmark: the per-event cost of source recognition (SourceRouter.route, plus the Sigma
// field aliases of sources that need them) next to JSON.parse of the same events, on the
// shared datasets: CloudTrail, auditd, the Apache access log (JSON twin), Windows events
// (evtx_dump JSON), and events no recognizer knows (the worst case: every recognizer tried).
// Run after building core (`npx turbo run build`):
//   node benchmarks/sources.bench.mjs [--time 1000]
// Prints a table and one JSON line (machine-readable) at the end. Never asserted in tests.
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { datasetLines } from './lib/common.mjs';
import { SourceRouter } from '../packages/core/dist/index.js';

const { values } = parseArgs({ options: { time: { type: 'string', default: '1000' } } });
const N = 10_000;
const lines = datasetLines;
const cycle = (list) => Array.from({ length: N }, (_, i) => list[i % list.length]);

const sets = [
  ['CloudTrail', cycle(lines('otrf_aws_cloudtrail.jsonl.gz'))],
  ['auditd', cycle(lines('otrf_linux_auditd.jsonl.gz'))],
  ['Apache access (JSON twin)', cycle(lines('elastic_examples_apache_access.jsonl.gz'))],
  ['Windows (evtx_dump JSON)', cycle(lines('evtx_attack_samples.jsonl.gz').slice(0, N))],
  ['unknown source', cycle(lines('otrf_aws_cloudtrail.jsonl.gz').map((l) => JSON.stringify({ message: l.slice(0, 200), host: 'h' })))],
];

const router = new SourceRouter();
const bench = new Bench({ time: Number(values.time) });
for (const [name, json] of sets) {
  const events = json.map((l) => JSON.parse(l));
  const routes = new Set(events.map((e) => JSON.stringify(router.logsource(router.route(e)) ?? null)));
  console.log(`${name}: ${events.length} events, logsources ${[...routes].join(' ')}`);
  bench.add(`${name}: route + Sigma names`, () => {
    for (let i = 0; i < events.length; i++) router.withSigmaFields(events[i], router.route(events[i]));
  });
  bench.add(`${name}: JSON.parse`, () => {
    for (let i = 0; i < json.length; i++) JSON.parse(json[i]);
  });
}
await bench.run();
const results = sets.map(([name, json], s) => {
  const route = bench.tasks[2 * s].result.hz * json.length;
  const parse = bench.tasks[2 * s + 1].result.hz * json.length;
  return { source: name, routeEventsPerSec: Math.round(route), jsonParseEventsPerSec: Math.round(parse), routeCostVsParse: +(parse / route).toFixed(3) };
});
console.table(results);
console.log(JSON.stringify({ bench: 'sources', results }));
