// Benchmark: `siemlite hunt --engine sql` straight over a file, DuckDB's own reader
// (--reader duckdb: read_json_objects, evtx flattening and routing in SQL, typed columns)
// against the in-memory route (--reader siemlite: siemlite's readers into an in-memory event
// store), with the streaming hunt over the same file for reference.
//   npx turbo run build && npm run bench:sql-files -- [--events 20000] [--mix mixed] [--gzip]
//                                                   [--max-seconds 900]
// The corpus is make-corpus.mjs output (evtx_dump-shaped Windows events; reused from the OS
// temp folder). Rules: the SigmaHQ `rules`, `rules-emerging-threats` and
// `rules-threat-hunting`. Wall time and peak RSS from /usr/bin/time; alerts are counted and
// must agree. The summary line of each SQL hunt is printed (it says who read the file).
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { SIGMA_RULE_DIRS, cli, machine, printTable, round, runBenchmark } from './lib/common.mjs';
import { countLines, timedCli } from './lib/timed-cli.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    mix: { type: 'string', default: 'mixed' },
    seed: { type: 'string', default: '1' },
    gzip: { type: 'boolean', default: false },
    'max-seconds': { type: 'string', default: '900' },
  },
});
if (!existsSync(cli)) {
  console.error(`${cli} not found: run \`npx turbo run build\` first`);
  process.exit(2);
}

const corpus = runBenchmark('make-corpus.mjs', ['--reuse', '--events', values.events, '--mix', values.mix, '--seed', values.seed], { echo: false });
const work = mkdtempSync(join(tmpdir(), 'siemlite-sql-files-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let file = corpus.file;
if (values.gzip) {
  file = join(work, 'corpus.jsonl.gz');
  await pipeline(createReadStream(corpus.file), createGzip(), createWriteStream(file));
}
console.error(`sql-files: ${file} (${(corpus.bytes / 1e6).toFixed(1)} MB of JSON Lines, ${corpus.events.toLocaleString('en-US')} events)`);

const siemlite = (args) => timedCli(args, values['max-seconds']);

const ruleArgs = SIGMA_RULE_DIRS.flatMap((r) => ['--rules', r]);
const rows = [];
const result = {};
for (const [name, args] of [
  ['sql, --reader duckdb', ['--engine', 'sql', '--reader', 'duckdb']],
  ['sql, --reader siemlite', ['--engine', 'sql', '--reader', 'siemlite']],
  ['stream, --workers 1', ['--workers', '1']],
]) {
  console.error(`hunt ${args.join(' ')} ...`);
  const out = join(work, `${rows.length}.jsonl`);
  const r = siemlite(['hunt', '--format', 'jsonl', '--output', out, ...args, ...ruleArgs, file]);
  const alerts = await countLines(out);
  const summary = r.stderr.find((l) => l.startsWith('siemlite hunt')) ?? '';
  rows.push({ name, seconds: r.seconds, eps: round(corpus.events / r.seconds), rss: r.peakRssMb, alerts, note: r.timedOut ? `cut off at ${values['max-seconds']} s` : '' });
  result[name] = { seconds: r.seconds, peakRssMb: r.peakRssMb, alerts, timedOut: r.timedOut, summary };
  if (summary !== '') console.error(`  ${summary}`);
}
printTable(rows, [
  ['route', 'name'],
  ['seconds', 'seconds'],
  ['events/s', 'eps'],
  ['peak RSS MB', 'rss'],
  ['alerts', 'alerts'],
  ['note', 'note'],
]);
const counts = new Set(rows.filter((r) => r.note === '').map((r) => r.alerts));
if (counts.size > 1) console.log(`\nALERTS DIFFER: ${rows.map((r) => `${r.name} ${r.alerts}`).join(', ')}`);
console.log(JSON.stringify({ benchmark: 'sql-files', file, events: corpus.events, bytes: corpus.bytes, routes: result, machine: machine() }));
