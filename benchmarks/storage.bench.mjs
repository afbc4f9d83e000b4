// Benchmark: the DuckDB event store and SQL hunting, end to end through the built CLI.
//   npm run build && npm run bench:storage -- [--events 1000000] [--mix mixed] [--workers 1]
//                                            [--max-seconds 1800] [--keep-db]
// 1. corpus: make-corpus.mjs output (reused when already in the OS temp folder);
// 2. ingest: `siemlite ingest --db TMP FILE`: events/s and MB/s of the JSONL, database size,
//    field columns;
// 3. append floor: DuckDB alone inserting the same number of rows, every field column NULL,
//    into a table with the store's schema (what any ingest route pays for the table's width);
// 4. SQL hunt: `siemlite hunt --engine sql --db TMP` with the SigmaHQ rules (rules,
//    rules-emerging-threats, rules-threat-hunting), alerts written as JSON Lines;
// 5. streaming hunt: `siemlite hunt FILE` with the same rules (--workers as given).
// Alerts of both hunts are counted: they must agree. Wall time and peak RSS of each command
// come from /usr/bin/time; `timeout --max-seconds` cuts a run off (reported as such).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { SIGMA_RULE_DIRS, cli, machine, printTable, round, runBenchmark } from './lib/common.mjs';
import { countLines, timedCli } from './lib/timed-cli.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    mix: { type: 'string', default: 'mixed' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    'max-seconds': { type: 'string', default: '1800' },
    'keep-db': { type: 'boolean', default: false },
  },
});
if (!existsSync(cli)) {
  console.error(`${cli} not found: run \`npx turbo run build\` first`);
  process.exit(2);
}

const corpus = runBenchmark('make-corpus.mjs', ['--reuse', '--events', values.events, '--mix', values.mix, '--seed', values.seed], { echo: false });
const { file, events, bytes } = corpus;
const work = mkdtempSync(join(tmpdir(), 'siemlite-storage-bench-'));
const db = join(work, 'store.duckdb');
if (!values['keep-db']) process.on('exit', () => rmSync(work, { recursive: true, force: true }));
console.error(`storage: ${file} (${(bytes / 1e6).toFixed(1)} MB, ${events.toLocaleString('en-US')} events), store ${db}`);

const siemlite = (args) => timedCli(args, values['max-seconds']);

const brief = ({ seconds, peakRssMb, timedOut, failed }) => ({ seconds, peakRssMb, timedOut, failed });

const ruleArgs = SIGMA_RULE_DIRS.flatMap((r) => ['--rules', r]);
const rows = [];

console.error('ingest ...');
const ingest = siemlite(['ingest', '--db', db, file]);
const dbBytes = existsSync(db) ? statSync(db).size : null;

// The store's width, and DuckDB's own cost of appending that many rows to a table that wide.
const instance = await DuckDBInstance.create(db);
const c = await instance.connect();
const stored = Number((await c.runAndReadAll('SELECT count(*) FROM events')).getRows()[0][0]);
const columns = Number((await c.runAndReadAll(`SELECT count(*) FROM duckdb_columns() WHERE table_name = 'events'`)).getRows()[0][0]);
await c.run('CREATE TEMP TABLE siemlite_floor AS SELECT * FROM events LIMIT 0');
let t = performance.now();
await c.run(`INSERT INTO siemlite_floor (source_path, source_record, is_windows) SELECT 'floor', range, true FROM range(${stored})`);
const floorSeconds = (performance.now() - t) / 1000;
await c.run('DROP TABLE siemlite_floor');
c.closeSync();
instance.closeSync();

rows.push({ step: 'ingest', seconds: ingest.seconds, eps: round(stored / ingest.seconds), mbps: round(bytes / 1e6 / ingest.seconds, 1), rss: ingest.peakRssMb, note: `${stored.toLocaleString('en-US')} events stored, ${columns} columns, ${round((dbBytes ?? 0) / 1e6)} MB database` });
rows.push({ step: 'append floor (DuckDB)', seconds: round(floorSeconds, 2), eps: round(stored / floorSeconds), mbps: null, rss: null, note: `INSERT of ${stored.toLocaleString('en-US')} rows, field columns NULL, ${columns} columns` });

console.error('hunt --engine sql ...');
const sqlOut = join(work, 'sql-alerts.jsonl');
const sqlHunt = siemlite(['hunt', '--engine', 'sql', '--db', db, '--quiet', '--format', 'jsonl', '--output', sqlOut, ...ruleArgs]);
const sqlAlerts = await countLines(sqlOut);
rows.push({ step: 'SQL hunt (stored events)', seconds: sqlHunt.seconds, eps: round(stored / sqlHunt.seconds), mbps: null, rss: sqlHunt.peakRssMb, alerts: sqlAlerts, note: sqlHunt.timedOut ? `cut off at ${values['max-seconds']} s` : '' });

console.error(`hunt --workers ${values.workers} (streaming) ...`);
const streamOut = join(work, 'stream-alerts.jsonl');
const stream = siemlite(['hunt', '--quiet', '--format', 'jsonl', '--output', streamOut, '--workers', values.workers, ...ruleArgs, file]);
const streamAlerts = await countLines(streamOut);
rows.push({ step: `streaming hunt (file, --workers ${values.workers})`, seconds: stream.seconds, eps: round(events / stream.seconds), mbps: round(bytes / 1e6 / stream.seconds, 1), rss: stream.peakRssMb, alerts: streamAlerts, note: stream.timedOut ? `cut off at ${values['max-seconds']} s` : '' });

printTable(rows, [
  ['step', 'step'],
  ['seconds', 'seconds'],
  ['events/s', 'eps'],
  ['MB/s', 'mbps'],
  ['peak RSS MB', 'rss'],
  ['alerts', 'alerts'],
  ['note', 'note'],
]);
if (sqlAlerts !== streamAlerts && !sqlHunt.timedOut && !stream.timedOut) console.log(`\nALERTS DIFFER: SQL ${sqlAlerts}, streaming ${streamAlerts}`);
console.log(JSON.stringify({ benchmark: 'storage', file, events, bytes, stored, columns, dbBytes, ingest: brief(ingest), floorSeconds: round(floorSeconds, 2), sqlHunt: { ...brief(sqlHunt), alerts: sqlAlerts }, stream: { ...brief(stream), alerts: streamAlerts }, machine: machine() }));
