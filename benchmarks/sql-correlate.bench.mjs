// Benchmark: correlation rules as DuckDB SQL (hunt --engine sql) against core's streaming
// Correlator, on the same synthetic match stream: N matches (default 200,000) of two rules
// A and B from G groups (default 2,000; one match in 20 from one hot group, so chains of
// alerts get long), one every 100 ms of event time, each with a user out of 50. Per
// correlation: matches/s of the Correlator (push every match, then finish) and of
// correlateInputs (load the matches into DuckDB, run the SQL, place the alerts), and the
// alerts of both (they must be equal).
//   npx turbo run build && node benchmarks/sql-correlate.bench.mjs [--matches 200000] [--groups 2000]
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { Correlator } from '@siemlite/core';
import { correlateInputs } from '@siemlite/storage';

const { values } = parseArgs({ options: { matches: { type: 'string', default: '200000' }, groups: { type: 'string', default: '2000' } } });
const total = Number(values.matches);
const groups = Number(values.groups);

const T0 = Date.UTC(2026, 0, 1);
const base = { kind: 'CorrelationRule', name: null, description: null, status: null, level: 'high', author: null, date: null, modified: null, tags: [], references: [], falsepositives: [], fields: [], origin: { file: 'bench.yml', line: 1, column: 1 }, groupBy: ['host'], field: [], percentile: null, aliases: [], generate: false, shouldAlert: true };
const rule = (key, type, rules, condition, extra = {}) => ({ ...base, key, id: key, title: key, type, rules, condition, timespanMs: 5 * 60_000, ...extra });
const CORRELATIONS = [
  rule('event_count gte 20', 'event_count', ['A'], [{ op: 'gte', value: 20 }]),
  rule('event_count lt 5', 'event_count', ['A', 'B'], [{ op: 'lt', value: 5 }]),
  rule('value_count gte 10', 'value_count', ['A'], [{ op: 'gte', value: 10 }], { field: ['user'] }),
  rule('value_count lte 3', 'value_count', ['A', 'B'], [{ op: 'lte', value: 3 }], { field: ['user'] }),
  rule('temporal', 'temporal', ['A', 'B'], [{ op: 'gte', value: 2 }]),
  rule('temporal_ordered', 'temporal_ordered', ['A', 'B'], [{ op: 'gte', value: 2 }]),
];

// A deterministic stream (xorshift), in time order with a little disorder within a second.
let seed = 0x2545f491;
const next = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 4294967296);
const inputs = [];
for (let i = 0; i < total; i++) {
  const host = next() < 0.05 ? 'hot' : `h${Math.floor(next() * groups)}`;
  inputs.push({
    arrival: i,
    ruleKey: next() < 0.7 ? 'A' : 'B',
    timeMs: T0 + i * 100 - Math.floor(next() * 1000),
    fields: { host, user: `u${Math.floor(next() * 50)}` },
    source: { path: 'bench.jsonl', record: i + 1 },
  });
}

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const rows = [];
for (const c of CORRELATIONS) {
  let started = process.hrtime.bigint();
  const correlator = new Correlator({ correlations: [c] });
  let streamAlerts = 0;
  for (const m of inputs) streamAlerts += correlator.push(m).length;
  streamAlerts += correlator.finish().length;
  const streamSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  started = process.hrtime.bigint();
  const result = await correlateInputs(connection, inputs, { correlations: [c] });
  const sqlSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  rows.push({
    correlation: c.key,
    streamMatchesPerSecond: Math.round(total / streamSeconds),
    sqlMatchesPerSecond: Math.round(total / sqlSeconds),
    sqlSeconds: Number(sqlSeconds.toFixed(2)),
    streamAlerts,
    sqlAlerts: result.alerts.length,
  });
}
connection.closeSync();
instance.closeSync();

const n = (x) => x.toLocaleString('en-US');
console.log(`${n(total)} matches, ${n(groups)} groups + 1 hot group (5%)`);
console.log('correlation            stream matches/s   SQL matches/s   SQL s   alerts (stream / SQL)');
for (const r of rows) {
  console.log(`${r.correlation.padEnd(22)} ${n(r.streamMatchesPerSecond).padStart(16)} ${n(r.sqlMatchesPerSecond).padStart(15)} ${String(r.sqlSeconds).padStart(7)}   ${n(r.streamAlerts)} / ${n(r.sqlAlerts)}`);
}
console.log(JSON.stringify({ matches: total, groups, results: rows }));
