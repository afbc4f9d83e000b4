// Benchmark: readRecords against the bare loop it must stay close to (readline + JSON.parse).
// Run after building core (`cd packages/core && npx tsc -b`):
//   node benchmarks/read-records.bench.mjs [--file F.jsonl] [--events N] [--runs N]
// Without --file it writes N evtx-shaped events (default 200,000, about 230 MB) to the OS
// temp folder, repeating the real events of shared/datasets/evtx_attack_samples.jsonl.gz
// when present (SIEMLITE_SHARED, default ../shared) and synthetic ones otherwise.
// Prints a table and one JSON line (machine-readable) at the end.
import { createReadStream, existsSync, readFileSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { readRecords } from '../packages/core/dist/io/read-records.js';

const { values } = parseArgs({
  options: { file: { type: 'string' }, events: { type: 'string', default: '200000' }, runs: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const root = resolve(fileURLToPath(import.meta.url), '../..');
const shared = resolve(process.env.SIEMLITE_SHARED ?? resolve(root, '../shared'));

async function generate(events) {
  const file = join(tmpdir(), `siemlite-read-records-${events}.jsonl`);
  if (existsSync(file)) return file;
  const source = join(shared, 'datasets', 'evtx_attack_samples.jsonl.gz');
  const lines = existsSync(source)
    ? gunzipSync(readFileSync(source)).toString('utf8').split('\n').filter((l) => l.length > 0)
    : [syntheticEvent()];
  const out = createWriteStream(file);
  for (let i = 0; i < events; i++) {
    if (!out.write(lines[i % lines.length] + '\n')) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return file;
}

function syntheticEvent() {
  return JSON.stringify({
    Event: {
      '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' } },
        EventID: 1, Version: 5, Level: 4, Task: 1, Opcode: 0, Keywords: '0x8000000000000000',
        TimeCreated: { '#attributes': { SystemTime: '2019-07-19T14:46:51.883827Z' } },
        EventRecordID: 3630, Correlation: null, Execution: { '#attributes': { ProcessID: 2796, ThreadID: 3592 } },
        Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'MSEDGEWIN10', Security: { '#attributes': { UserID: 'S-1-5-18' } },
      },
      EventData: {
        RuleName: '', UtcTime: '2019-07-19 14:46:51.881', ProcessGuid: '747F3D96-D7AB-5D31-0000-0010BBEE1E00', ProcessId: 4256,
        Image: 'C:\\Windows\\System32\\cmd.exe', FileVersion: '10.0.17763.1 (WinBuild.160101.0800)',
        Description: 'Windows Command Processor', Product: 'Microsoft® Windows® Operating System', Company: 'Microsoft Corporation',
        CommandLine: '"C:\\Windows\\system32\\cmd.exe" /c whoami /all', CurrentDirectory: 'C:\\Users\\IEUser\\',
        User: 'MSEDGEWIN10\\IEUser', LogonGuid: '747F3D96-D7AB-5D31-0000-002033A40700', LogonId: '0x7a433', TerminalSessionId: 1,
        IntegrityLevel: 'High', Hashes: 'SHA1=ED8B9A1CD4C0A8B7E6E6B59E5A2D4B9B1B6B3A51,MD5=975B45B669930B0CC773EAF2B414206F',
        ParentProcessGuid: '747F3D96-D7A9-5D31-0000-0010D5C51E00', ParentProcessId: 1636,
        ParentImage: 'C:\\Windows\\explorer.exe', ParentCommandLine: 'C:\\Windows\\Explorer.EXE',
      },
    },
  });
}

async function baseline(file) {
  let events = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length === 0) continue;
    const value = JSON.parse(line);
    if (value !== null) events++;
  }
  return events;
}

async function reader(file) {
  let events = 0;
  let bad = 0;
  for await (const chunk of readRecords([file], { onBadRecord: () => bad++ })) events += chunk.length;
  if (bad > 0) throw new Error(`${bad} bad records in the benchmark file`);
  return events;
}

const file = values.file ?? (await generate(Number(values.events)));
const bytes = statSync(file).size;
const contenders = { 'readline + JSON.parse': baseline, readRecords: reader };
const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
let events = 0;
await baseline(file); // warm the page cache and the JIT once, untimed
for (let run = 0; run < runs; run++) {
  // Alternate so drift (thermal, page cache) hits both alike.
  for (const [name, fn] of Object.entries(contenders)) {
    const t0 = process.hrtime.bigint();
    events = await fn(file);
    times[name].push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = Object.entries(times).map(([name, xs]) => {
  const s = median(xs);
  return { contender: name, 'median s': +s.toFixed(3), 'events/s': Math.round(events / s), 'MB/s': +(bytes / 1e6 / s).toFixed(1) };
});
const ratio = median(times.readRecords) / median(times['readline + JSON.parse']);
console.log(`read-records: ${events} events, ${(bytes / 1e6).toFixed(1)} MB, median of ${runs} runs (${file})`);
console.table(rows);
console.log(
  JSON.stringify({
    benchmark: 'read-records',
    file,
    events,
    bytes,
    runs,
    baseline_events_per_s: rows[0]['events/s'],
    baseline_mb_per_s: rows[0]['MB/s'],
    read_records_events_per_s: rows[1]['events/s'],
    read_records_mb_per_s: rows[1]['MB/s'],
    time_ratio_vs_baseline: +ratio.toFixed(3),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    node: process.version,
  }),
);
