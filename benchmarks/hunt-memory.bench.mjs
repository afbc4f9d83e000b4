// Benchmark: peak RSS of `siemlite hunt` does not grow with the input size.
// Builds a JSONL file of about --mb megabytes from real Windows events in ../shared/datasets
// (record ids and times varied), and a file ten times larger, then runs the built CLI on
// each under /usr/bin/time and reports peak RSS, events/s and MB/s for 1x and 10x.
//   npm run build && node benchmarks/hunt-memory.bench.mjs [--mb 500] [--rules PATH]... [--heap-cap MB] [--keep]
//                    [--workers N] [--inputs SMALL,LARGE]
// --inputs compares files made elsewhere instead (e.g. make-corpus.mjs with 1M and 5M events);
// --rules is repeatable (e.g. the three SigmaHQ folders). Rules load through a fresh cache
// folder that the first run fills.
// --heap-cap runs both hunts with node's --max-old-space-size=MB: if memory grew with the
// input, the 10x run would die of heap exhaustion instead of finishing.
import { Buffer } from 'node:buffer';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '500' },
    rules: { type: 'string', multiple: true },
    'heap-cap': { type: 'string' },
    keep: { type: 'boolean', default: false },
    workers: { type: 'string' },
    inputs: { type: 'string' },
  },
});
const root = resolve(fileURLToPath(import.meta.url), '../..');
const shared = resolve(process.env.SIEMLITE_SHARED ?? resolve(root, '../shared'));
const source = join(shared, 'datasets', 'evtx_attack_samples.jsonl.gz');
if (!existsSync(source)) {
  console.error(`dataset not found: ${source} (set SIEMLITE_SHARED)`);
  process.exit(2);
}
const cli = join(root, 'packages/cli/dist/main.js');
const targetBytes = Number(values.mb) * 1024 * 1024;

async function loadEvents() {
  const lines = [];
  const rl = createInterface({ input: createReadStream(source).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim() !== '') lines.push(JSON.parse(line));
  return lines;
}

async function writeCorpus(file, events, bytes) {
  const out = createWriteStream(file);
  let written = 0;
  let n = 0;
  while (written < bytes) {
    for (const e of events) {
      // Vary the record id and time so the data is not one repeated block.
      const sys = e.Event?.System;
      if (sys) {
        sys.EventRecordID = ++n;
        const t = new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString();
        if (sys.TimeCreated?.['#attributes']) sys.TimeCreated['#attributes'].SystemTime = t;
      }
      const line = `${JSON.stringify(e)}\n`;
      written += Buffer.byteLength(line);
      if (!out.write(line)) await once(out, 'drain');
      if (written >= bytes) break;
    }
  }
  out.end();
  await once(out, 'close');
  return n;
}

async function countLines(file) {
  let n = 0;
  for await (const buf of createReadStream(file, { highWaterMark: 1 << 20 })) for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

function hunt(file) {
  const heap = values['heap-cap'] === undefined ? [] : [`--max-old-space-size=${values['heap-cap']}`];
  const args = ['-f', '%M %e', process.execPath, ...heap, cli, 'hunt', '--quiet', '--format', 'jsonl', '--output', '/dev/null'];
  for (const r of values.rules ?? []) args.push('--rules', r);
  if (values.workers !== undefined) args.push('--workers', values.workers);
  args.push(file);
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, SIEMLITE_CACHE_DIR: cacheDir } });
  if (r.status !== 0) throw new Error(`hunt failed: ${r.stderr}`);
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [kb, seconds] = last.split(' ').map(Number);
  return { peakRssMb: Math.round(kb / 1024), seconds };
}

const cacheDir = mkdtempSync(join(tmpdir(), 'siemlite-hunt-memory-cache-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
const results = [];
if (values.inputs !== undefined) {
  for (const file of values.inputs.split(',')) {
    const size = statSync(file).size;
    const count = await countLines(file);
    const { peakRssMb, seconds } = hunt(file);
    results.push({ file, file_mb: Math.round(size / 1048576), events: count, seconds, mb_per_s: Math.round(size / 1048576 / seconds), peak_rss_mb: peakRssMb });
  }
}
const events = values.inputs === undefined ? await loadEvents() : [];
for (const factor of values.inputs === undefined ? [1, 10] : []) {
  const file = join(tmpdir(), `siemlite-hunt-memory-${values.mb}mb-x${factor}.jsonl`);
  // A file kept by an earlier --keep run is reused; its events are then counted.
  const count = existsSync(file) && statSync(file).size >= targetBytes * factor ? await countLines(file) : await writeCorpus(file, events, targetBytes * factor);
  const size = statSync(file).size;
  const { peakRssMb, seconds } = hunt(file);
  results.push({ factor, file_mb: Math.round(size / 1048576), events: count, seconds, mb_per_s: Math.round(size / 1048576 / seconds), peak_rss_mb: peakRssMb });
  if (!values.keep) unlinkSync(file);
}
const growth = results.at(-1).peak_rss_mb / results[0].peak_rss_mb;
const rulesText = values.rules?.join(' ') ?? 'shipped rules';
const what = values.inputs === undefined ? `${values.mb} MB and 10x` : values.inputs.split(',').join(' and ');
console.log(`hunt-memory: siemlite hunt on ${what} (${rulesText}${values.workers ? `, --workers ${values.workers}` : ''}${values['heap-cap'] ? `, heap capped at ${values['heap-cap']} MB` : ''})`);
console.table(results);
console.log(`peak RSS largest / smallest input = ${growth.toFixed(2)}`);
console.log(JSON.stringify({ benchmark: 'hunt-memory', rules: values.rules ?? 'shipped', workers: values.workers ?? null, heap_cap_mb: values['heap-cap'] ?? null, results, rss_growth: Number(growth.toFixed(3)), node: process.version }));
