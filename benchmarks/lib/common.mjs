// Helpers shared by the benchmark scripts: paths, the line reader, the parse-only loop,
// and formatting. Kept dependency-free so a benchmark never measures a library by accident.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip, gunzipSync } from 'node:zlib';

export const root = resolve(fileURLToPath(import.meta.url), '../../..');
export const shared = resolve(process.env.SIEMLITE_SHARED ?? resolve(root, '../shared'));
export const cli = resolve(root, 'packages/cli/dist/main.js');
/** The SigmaHQ rule folders every engine benchmark hunts with (hunt and evaluate alike). */
export const SIGMA_RULE_DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => resolve(shared, 'sigma', d));

/**
 * The non-empty lines of a gzipped file of shared/datasets (small files, read whole); exits
 * with status 2 and a message when the shared datasets are not there.
 */
export function datasetLines(name) {
  const datasets = resolve(shared, 'datasets');
  if (!existsSync(datasets)) {
    console.error(`shared datasets not found at ${datasets} (set SIEMLITE_SHARED)`);
    process.exit(2);
  }
  return gunzipSync(readFileSync(resolve(datasets, name))).toString('utf8').split('\n').filter((l) => l.length > 0);
}

const CHUNK_BYTES = 8 << 20;

/**
 * Calls onLine(text) for each line of a JSONL file (plain or .gz), in order, until it
 * returns false; returns the bytes read (uncompressed). Plain files are read with readSync in 8 MB chunks (the fastest
 * way in from the page cache); gzip goes through a streaming gunzip. Lines are found in the
 * bytes and decoded one by one, and handed over at once rather than collected:
 * - V8 decodes a pure-ASCII line on its fast path, while decoding a whole chunk that holds
 *   one '®' takes the slow path for all of it (measured: the loop ran twice slower);
 * - a string that dies young costs the GC nothing; a chunk's worth kept in an array is
 *   promoted to the old generation first.
 */
export async function eachLine(file, onLine) {
  let bytes = 0;
  let carry = Buffer.alloc(0);
  let stopped = false;
  const take = (chunk) => {
    bytes += chunk.length;
    const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let pos = 0;
    for (let nl = buf.indexOf(10, pos); nl >= 0 && !stopped; nl = buf.indexOf(10, pos)) {
      stopped = onLine(buf.toString('utf8', pos, nl)) === false;
      pos = nl + 1;
    }
    carry = buf.subarray(pos);
  };
  if (file.endsWith('.gz')) {
    const input = createReadStream(file, { highWaterMark: 1 << 20 });
    for await (const buf of input.pipe(createGunzip({ chunkSize: 1 << 20 }))) {
      take(buf);
      if (stopped) break;
    }
    input.destroy();
  } else {
    const fd = openSync(file, 'r');
    try {
      while (!stopped) {
        const buf = Buffer.allocUnsafe(CHUNK_BYTES);
        const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
        if (n === 0) break;
        take(buf.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
  }
  if (carry.length > 0 && !stopped) onLine(carry.toString('utf8'));
  return bytes;
}

/**
 * The yardstick: read the file and JSON.parse every non-empty line, nothing else.
 * Returns events, bytes read (uncompressed) and wall seconds.
 */
export async function parseOnly(file) {
  const t0 = process.hrtime.bigint();
  let events = 0;
  const bytes = await eachLine(file, (line) => {
    if (line.length === 0 || line === '\r') return; // blank (CRLF files leave a '\r')
    if (JSON.parse(line) !== null) events++; // use the result so the parse cannot be skipped
  });
  return { events, bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
export const round = (x, digits = 0) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
export const fmtInt = (n) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));

/** Clock ticks per second of /proc's CPU times (USER_HZ), read once. */
let userHz;

/**
 * CPU seconds (user + system) of each thread of this process, by thread id, from
 * /proc/self/task/TID/stat; null where there is no /proc (not Linux). Node names none of its
 * threads, so callers tell them apart by id: this thread's id is process.pid, and threads
 * that a pool starts are the ids absent from a snapshot taken before it started.
 */
export function threadCpuSeconds() {
  if (process.platform !== 'linux' || !existsSync('/proc/self/task')) return null;
  userHz ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    // Fields after the parenthesized name: state is 3rd, utime 14th, stime 15th (proc(5)).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), (Number(rest[11]) + Number(rest[12])) / userHz);
  }
  return out;
}

/**
 * Machine facts recorded with every result: numbers mean little without them. The load
 * average tells whether something else was competing for the cores during the run.
 */
export function machine() {
  const c = cpus();
  return { node: process.version, cpu: c[0]?.model ?? 'unknown', cores: c.length, platform: process.platform, loadavg_1m: round(loadavg()[0], 2) };
}

/**
 * Prints rows as an aligned text table. `columns` is a list of [header, key]; a value
 * that is a number is right-aligned with thousands separators, null prints as '—'.
 */
export function printTable(rows, columns) {
  const cell = (v) => (v === null || v === undefined ? '—' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v));
  const cells = rows.map((r) => columns.map(([, key]) => cell(r[key])));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const numeric = columns.map(([, key]) => rows.some((r) => typeof r[key] === 'number'));
  const line = (vals) => vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  console.log(line(columns.map(([h]) => h)));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

/** The last line of a benchmark's stdout that parses as a JSON object (its result). */
export function lastJson(stdout) {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (l.startsWith('{')) {
      try {
        return JSON.parse(l);
      } catch {
        // not the result line; keep looking
      }
    }
  }
  return null;
}

/**
 * Runs one benchmark script in its own process (so its peak RSS and heap are its own),
 * echoes its table, and returns its result (the last JSON line of its stdout).
 */
export function runBenchmark(script, args, { echo = true } = {}) {
  const r = spawnSync(process.execPath, [resolve(root, 'benchmarks', script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (echo) process.stdout.write(r.stdout);
  if (r.status !== 0) throw new Error(`${script} failed with exit ${r.status} (its stderr is above)`);
  return lastJson(r.stdout);
}
