// Benchmark: correlation throughput and memory. N synthetic Security 4625 events (default
// 10M) from G distinct source addresses (default 1M), one every millisecond of event time,
// through the Engine API with a failed-logon rule, once detection only and once with an
// event_count and a value_count correlation grouped by address (timespan 5 min; one event
// in 1,000 comes from one hot address, so they fire). Prints
// events/s of both and RSS after 1M, 5M and 10M events: RSS must stay flat.
//   npm run build && node benchmarks/correlate.bench.mjs [--events 10000000] [--groups 1000000]
import { parseArgs } from 'node:util';
import { createEngine } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';

const { values } = parseArgs({ options: { events: { type: 'string', default: '10000000' }, groups: { type: 'string', default: '1000000' } } });
const total = Number(values.events);
const groups = Number(values.groups);
const checkpoints = new Set([1_000_000, 5_000_000, 10_000_000, total]);

const rules = loadRulesFromText(
  'bench.yml',
  `title: Failed logon
name: bench_failed_logon
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4625}
  condition: selection
level: low
---
title: Many failures from one address
name: bench_event_count
correlation: {type: event_count, rules: [bench_failed_logon], group-by: [IpAddress], timespan: 5m, condition: {gte: 50}}
level: medium
---
title: Many accounts from one address
name: bench_value_count
correlation: {type: value_count, rules: [bench_failed_logon], group-by: [IpAddress], timespan: 5m, condition: {field: TargetUserName, gte: 20}}
level: high
`,
);
if (rules.errors.length > 0) throw new Error(JSON.stringify(rules.errors));

const T0 = Date.UTC(2026, 0, 1);
function run(withCorrelations) {
  let alerts = 0;
  let correlationAlerts = 0;
  const engine = createEngine({
    rules: rules.rules.map((r) => ({ ...r, shouldAlert: true })),
    correlations: withCorrelations ? rules.correlations : [],
    onAlert: (a) => (a.type === 'correlation' ? correlationAlerts++ : alerts++),
  });
  const rss = [];
  const started = process.hrtime.bigint();
  const batch = [];
  for (let i = 1; i <= total; i++) {
    const g = i % groups;
    // One event in 1,000 comes from a hot address, so the correlations also fire.
    const ip = i % 1000 === 0 ? '192.0.2.1' : `10.${(g >> 16) & 255}.${(g >> 8) & 255}.${g & 255}`;
    batch.push({ EventID: 4625, Channel: 'Security', IpAddress: ip, TargetUserName: `user${i % 37}`, '@timestamp': new Date(T0 + i).toISOString() });
    if (batch.length === 2048) {
      engine.push(batch);
      batch.length = 0;
    }
    if (checkpoints.has(i)) rss.push({ events: i, rss_mb: Math.round(process.memoryUsage().rss / 1048576) });
  }
  engine.push(batch);
  engine.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { run: withCorrelations ? 'detection + 2 correlations' : 'detection only', events: total, seconds: Number(seconds.toFixed(1)), events_per_s: Math.round(total / seconds), alerts, correlationAlerts, stats: engine.correlationStats, rss };
}

const results = [run(false), run(true)];
console.log(`correlate: ${total.toLocaleString('en-US')} events, ${groups.toLocaleString('en-US')} distinct group keys, event_count + value_count over 5 min windows`);
console.table(results.map((r) => ({ run: r.run, events: r.events, seconds: r.seconds, events_per_s: r.events_per_s, alerts: r.alerts, correlationAlerts: r.correlationAlerts })));
for (const r of results) console.log(r.run, 'RSS by events:', r.rss.map((x) => `${x.events.toLocaleString('en-US')}: ${x.rss_mb} MB`).join(', '));
console.log(JSON.stringify({ benchmark: 'correlate', results, node: process.version }));
