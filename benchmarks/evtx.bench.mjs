// Benchmark: the EVTX reader alone, readRecords over .evtx, and `siemlite hunt` over .evtx,
// next to the same records as JSON Lines. Build first (`npx turbo run build`).
//   node benchmarks/evtx.bench.mjs [--mb 64] [--runs 3] [--workers 1,2]
// The large .evtx is made at bench time in the OS temp folder from the real chunks of
// shared/datasets/evtx_attack_samples_evtx (SIEMLITE_SHARED), repeated until --mb; the JSON
// Lines twin is written from what the reader returns. Nothing is committed.
// Prints a table and, as its last line, one JSON object.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEvtx } from '../packages/core/dist/io/evtx/index.js';
import { readRecords } from '../packages/core/dist/io/read-records.js';
import { cli, shared, SIGMA_RULE_DIRS } from './lib/common.mjs';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '64' }, runs: { type: 'string', default: '3' }, workers: { type: 'string', default: '1,2' } },
});
const runs = Number(values.runs);
const targetBytes = Number(values.mb) * 1e6;
const CHUNK = 65536;
const HEADER = 4096;

/** Every chunk holding records, from every EVTX-ATTACK-SAMPLES file. */
function realChunks() {
  const dir = join(shared, 'datasets', 'evtx_attack_samples_evtx');
  if (!existsSync(dir)) throw new Error(`${dir} not found (set SIEMLITE_SHARED)`);
  const chunks = [];
  let header = null;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.evtx')).sort()) {
    const bytes = readFileSync(join(dir, name));
    header ??= bytes.subarray(0, HEADER);
    for (let at = HEADER; at + CHUNK <= bytes.length; at += CHUNK) {
      if (bytes.toString('latin1', at, at + 7) === 'ElfChnk') chunks.push(bytes.subarray(at, at + CHUNK));
    }
  }
  return { header, chunks };
}

async function makeFiles() {
  const evtx = join(tmpdir(), `siemlite-bench-${values.mb}mb.evtx`);
  const jsonl = `${evtx}.jsonl`;
  if (!existsSync(evtx) || !existsSync(jsonl)) {
    const { header, chunks } = realChunks();
    const fd = openSync(evtx, 'w');
    writeSync(fd, header);
    for (let written = HEADER, i = 0; written < targetBytes; written += CHUNK, i++) writeSync(fd, chunks[i % chunks.length]);
    closeSync(fd);
    const out = createWriteStream(jsonl);
    for await (const item of readEvtx(evtx)) {
      if (item.kind !== 'record') continue;
      if (!out.write(`${JSON.stringify(item.record.value)}\n`)) await new Promise((r) => out.once('drain', r));
    }
    await new Promise((r) => out.end(r));
  }
  return { evtx, jsonl };
}

async function readerAlone(file) {
  let n = 0;
  for await (const item of readEvtx(file)) if (item.kind === 'record') n++;
  return n;
}

async function viaReadRecords(file) {
  let n = 0;
  for await (const chunk of readRecords([file])) n += chunk.length;
  return n;
}

function hunt(file, workers) {
  const rules = SIGMA_RULE_DIRS.flatMap((d) => ['--rules', d]);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'hunt', '--quiet', '--format', 'jsonl', '--output', join(tmpdir(), 'siemlite-bench-evtx-alerts.jsonl'), '--workers', String(workers), ...rules, file], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`hunt failed: ${r.stderr}`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const alerts = readFileSync(join(tmpdir(), 'siemlite-bench-evtx-alerts.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0).length;
  return { seconds, alerts };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const xs = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = await fn();
    xs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: median(xs), result };
}

const { evtx, jsonl } = await makeFiles();
const evtxBytes = statSync(evtx).size;
const jsonlBytes = statSync(jsonl).size;
await readerAlone(evtx); // warm page cache and JIT, untimed
const rows = [];
const row = (what, file, bytes, seconds, records, alerts = '') =>
  rows.push({ what, input: file.endsWith('.evtx') ? 'evtx' : 'jsonl', 'median s': +seconds.toFixed(3), 'records/s': Math.round(records / seconds), 'MB/s': +(bytes / 1e6 / seconds).toFixed(1), alerts });

const alone = await time(() => readerAlone(evtx));
const records = alone.result;
row('EVTX reader alone (readEvtx)', evtx, evtxBytes, alone.seconds, records);
const rrEvtx = await time(() => viaReadRecords(evtx));
row('readRecords', evtx, evtxBytes, rrEvtx.seconds, rrEvtx.result);
const rrJson = await time(() => viaReadRecords(jsonl));
row('readRecords', jsonl, jsonlBytes, rrJson.seconds, rrJson.result);
for (const workers of values.workers.split(',').map(Number)) {
  for (const file of [evtx, jsonl]) {
    const h = hunt(file, workers); // one run each: hunt with all SigmaHQ rules takes a while
    row(`hunt --workers ${workers} (SigmaHQ rules, incl. start-up)`, file, statSync(file).size, h.seconds, records, h.alerts);
  }
}
console.log(`evtx: ${records} records; .evtx ${(evtxBytes / 1e6).toFixed(1)} MB, same records as JSONL ${(jsonlBytes / 1e6).toFixed(1)} MB; median of ${runs} runs (hunt: 1 run)`);
console.table(rows);
console.log(JSON.stringify({ benchmark: 'evtx', records, evtx_bytes: evtxBytes, jsonl_bytes: jsonlBytes, rows, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), node: process.version }));
