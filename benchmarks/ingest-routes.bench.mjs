// Benchmark: the routes by which events can reach the DuckDB event store from Node, on the same
// events, each into a fresh database through EventStore (same transaction, schema changes and
// watermarks; only the way a batch's rows reach `events` differs):
//   appender  the appender into a temp staging table of JSON texts + INSERT ... json_transform
//   jsonl     a JSON Lines file per batch (temp folder) read by read_json, column types given
//   parquet   Arrow columns built in Node, a Parquet file per batch (parquet-wasm), read_parquet
//   csv       a CSV file per batch, a cell per stored column, read by read_csv, types given
// (parquet and csv: benchmarks/lib/staging-routes.mjs, not shipped.)
//   npm run build && npm run bench:ingest-routes -- [--events 20000] [--routes appender,jsonl,parquet,csv]
//                                                  [--runs 1] [--batch 50000] [--mix mixed] [--seed 1]
// Events: make-corpus.mjs (mixed Windows events from SIEMLITE_SHARED/datasets), read and
// JSON.parse'd once before timing. Routes run interleaved, `--runs` rounds; the best round
// of each route is reported (and the load average around it). Per route: wall seconds from
// open to close (close checkpoints), events/s, MB/s of the JSONL, ms per step (prepare: Node
// normalizing and serializing; schema: ALTER TABLE; rows: the route; commit: watermarks +
// COMMIT; close), and a fingerprint of the stored rows, which must be equal for all routes.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { eachLine, machine, printTable, root, round, runBenchmark } from './lib/common.mjs';
import { csvRoute, parquetRoute } from './lib/staging-routes.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    routes: { type: 'string', default: 'appender,jsonl,parquet,csv' },
    runs: { type: 'string', default: '1' },
    batch: { type: 'string', default: '50000' },
    mix: { type: 'string', default: 'mixed' },
    seed: { type: 'string', default: '1' },
  },
});
const storage = await import(join(root, 'packages/storage/dist/index.js')).catch(() => {
  console.error('packages/storage/dist not found: run `npx turbo run build` first');
  process.exit(2);
});
const routes = values.routes.split(',');
const runs = Number(values.runs);
const batchEvents = Number(values.batch);
const known = { appender: () => 'appender', jsonl: () => 'jsonl', parquet: parquetRoute, csv: csvRoute };
for (const r of routes) if (!(r in known)) throw new Error(`unknown route '${r}' (${Object.keys(known).join(', ')})`);

const corpus = runBenchmark('make-corpus.mjs', ['--reuse', '--events', values.events, '--mix', values.mix, '--seed', values.seed], { echo: false });
const { file, events, bytes } = corpus;
console.error(`ingest routes: ${file} (${(bytes / 1e6).toFixed(1)} MB, ${events.toLocaleString('en-US')} events), batches of ${batchEvents.toLocaleString('en-US')}`);
const records = [];
await eachLine(file, (line) => {
  if (line.length > 0) records.push({ path: file, record: records.length + 1, value: JSON.parse(line) });
});
const CHUNK = 1000; // what readRecords hands to `add` at a time, about

const work = mkdtempSync(join(tmpdir(), 'siemlite-ingest-routes-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** One ingest of every record through `routeName` into a fresh database. */
async function ingest(routeName, pass) {
  const db = join(work, `${routeName}-${pass}.duckdb`);
  const route = known[routeName]();
  const load = loadavg()[0];
  const started = performance.now();
  const store = await storage.EventStore.open(db, { route, batchEvents });
  for (let i = 0; i < records.length; i += CHUNK) await store.add(records.slice(i, i + CHUNK));
  await store.flush();
  const beforeClose = performance.now();
  const fingerprint = await rowsFingerprint(store);
  const fingerprintMs = performance.now() - beforeClose;
  const closeStarted = performance.now();
  store.close();
  const closeMs = performance.now() - closeStarted;
  const seconds = (performance.now() - started - fingerprintMs) / 1000;
  const dbBytes = statSync(db).size;
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  return { route: routeName, seconds, ...store.timings, closeMs, steps: store.routeSteps ?? null, load: round(load, 1), loadAfter: round(loadavg()[0], 1), fingerprint, dbBytes, added: store.counts.added };
}

/** Rows, field columns and a hash of every stored row as JSON: equal stores, equal prints. */
async function rowsFingerprint(store) {
  const r = await store.connection.runAndReadAll(`SELECT count(*), sum(hash(to_json(e)))::VARCHAR FROM (SELECT * EXCLUDE (source_path) FROM events) e`);
  const [n, hash] = r.getRows()[0];
  return `${n} rows, ${store.fields.size} fields, #${String(hash).slice(-8)}`;
}

const results = new Map(routes.map((r) => [r, []]));
for (let pass = 0; pass < runs; pass++) {
  for (const r of routes) {
    console.error(`round ${pass + 1}/${runs}: ${r} ...`);
    results.get(r).push(await ingest(r, pass));
  }
}

const best = routes.map((r) => results.get(r).reduce((a, b) => (b.seconds < a.seconds ? b : a)));
const fastest = Math.min(...best.map((b) => b.seconds));
const rows = best.map((b) => ({
  route: b.route,
  seconds: round(b.seconds, 2),
  eps: round(events / b.seconds),
  mbps: round(bytes / 1e6 / b.seconds, 1),
  vs: `${round(b.seconds / fastest, 2)}x`,
  prepare: round(b.prepareMs),
  schema: round(b.schemaMs),
  rowsMs: round(b.rowsMs),
  commit: round(b.commitMs),
  close: round(b.closeMs),
  load: `${b.load} -> ${b.loadAfter}`,
  fingerprint: b.fingerprint,
}));
printTable(rows, [
  ['route', 'route'],
  ['seconds', 'seconds'],
  ['events/s', 'eps'],
  ['MB/s', 'mbps'],
  ['vs best', 'vs'],
  ['prepare ms', 'prepare'],
  ['schema ms', 'schema'],
  ['rows ms', 'rowsMs'],
  ['commit ms', 'commit'],
  ['close ms', 'close'],
  ['load 1m', 'load'],
  ['stored', 'fingerprint'],
]);
for (const b of best) if (b.steps !== null) console.log(`${b.route} rows ms by stage: ${Object.entries(b.steps).map(([k, v]) => `${k.replace(/Ms$/, '')} ${Math.round(v)}`).join(', ')}`);
if (new Set(best.map((b) => b.fingerprint)).size > 1) console.log('\nSTORED ROWS DIFFER between routes (see the stored column)');
console.log(JSON.stringify({ benchmark: 'ingest-routes', file, events, bytes, batchEvents, runs, results: Object.fromEntries([...results].map(([r, xs]) => [r, xs.map(({ steps, ...x }) => ({ ...x, steps }))])), machine: machine() }));
