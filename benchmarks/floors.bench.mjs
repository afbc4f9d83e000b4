// Benchmark: the least work any engine on this machine must do per event, against the time
// issue 4's targets leave. Two pieces of work are unavoidable whatever the design:
//   - hunt must JSON.parse every line (the rules read field values, and a broken line must
//     be reported, so no line may skip the parser);
//   - keyword search must read every value of every Windows event: SigmaHQ's "Mimikatz Use"
//     has `product: windows`, no service, and keywords (sigma-semantics.md §5).
// This measures both on the first --events events of FILE, with the lines and the keyword
// text already in memory (no I/O), best of --runs:
//   parse      JSON.parse of each line
//   scan-str   the barest scan of the keyword text as JS strings: a charCodeAt loop that
//              sums the code units (no automaton, no table: a lower bound for any scanner
//              written over strings)
//   scan-u16   the same loop over the text copied into one Uint16Array (a lower bound for
//              a scanner over typed arrays)
//   mimikatz   Mimikatz Use's 20 keywords as one case-insensitive V8 regex, once per value
//              (native code: what the engine's prefilter does)
// and prints them next to the budgets: `hunt` as fast as parse-only with 2 workers leaves 2
// cores x (parse-only time per event); `evaluate` at 1,000,000 events/s with 2 workers
// leaves 2 µs of CPU per event.
//   npm run build && node benchmarks/floors.bench.mjs FILE [--events 100000] [--runs 5]
//                    [--parse-only-eps N]   (else measured here: parse-only.bench.mjs)
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BatchBuilder, KEYWORD_COLUMN, isWindowsEvent } from '@siemlite/core';
import { eachLine, machine, printTable, round, runBenchmark } from './lib/common.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    'parse-only-eps': { type: 'string' },
  },
});
const file = positionals[0];
if (file === undefined || !existsSync(file)) {
  console.error('usage: floors.bench.mjs FILE [--events 100000] [--runs 5] [--parse-only-eps N]');
  process.exit(2);
}
const maxEvents = Number(values.events);
const runs = Math.max(1, Number(values.runs));

// Lines of Windows events, and their keyword text: every scalar of the record as read,
// exactly the column the engine builds (BatchBuilder with keywords, no field columns).
const lines = [];
const records = [];
await eachLine(file, (line) => {
  if (lines.length >= maxEvents) return false;
  if (line.length === 0 || line === '\r') return true;
  const value = JSON.parse(line);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isWindowsEvent(value)) return true;
  lines.push(line);
  records.push(value);
  return true;
});
const events = lines.length;
if (events === 0) {
  console.error(`floors: no Windows events in ${file}`);
  process.exit(2);
}
const keywordValues = new BatchBuilder({ fields: [], withKeywords: true }).build(records).column(KEYWORD_COLUMN).dictionary;
records.length = 0;
let chars = 0;
for (const v of keywordValues) chars += v.length;
const joined = keywordValues.join('');
const u16 = new Uint16Array(joined.length);
for (let i = 0; i < joined.length; i++) u16[i] = joined.charCodeAt(i);

// Mimikatz Use's keywords (SigmaHQ rules/windows/builtin/win_alert_mimikatz_keywords.yml, DRL 1.1).
const MIMIKATZ = ['dpapi::masterkey', 'eo.oe.kiwi', 'event::clear', 'event::drop', 'gentilkiwi.com', 'kerberos::golden', 'kerberos::ptc',
  'kerberos::ptt', 'kerberos::tgt', 'Kiwi Legit Printer', 'lsadump::', 'mimidrv.sys', '\\mimilib.dll', 'misc::printnightmare',
  'misc::shadowcopies', 'misc::skeleton', 'privilege::backup', 'privilege::debug', 'privilege::driver', 'sekurlsa::'];
const mimikatz = new RegExp(MIMIKATZ.map((k) => k.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`)).join('|'), 'i');

const kernels = {
  parse: () => {
    let n = 0;
    for (const line of lines) n += JSON.parse(line) === null ? 0 : 1;
    return n;
  },
  'scan-str': () => {
    let h = 0;
    for (const v of keywordValues) for (let i = 0; i < v.length; i++) h = (h + v.charCodeAt(i)) | 0;
    return h;
  },
  'scan-u16': () => {
    let h = 0;
    for (let i = 0; i < u16.length; i++) h = (h + u16[i]) | 0;
    return h;
  },
  mimikatz: () => {
    let n = 0;
    for (const v of keywordValues) if (mimikatz.test(v)) n++;
    return n;
  },
};
// Interleaved, best of `runs`: this VM's speed drifts by tens of percent within minutes.
const best = {};
for (let r = 0; r < runs; r++) {
  for (const [name, kernel] of Object.entries(kernels)) {
    const t = process.hrtime.bigint();
    kernel();
    const us = Number(process.hrtime.bigint() - t) / 1000;
    best[name] = Math.min(best[name] ?? Infinity, us);
  }
}
const perEvent = (name) => best[name] / events;

const parseOnly = values['parse-only-eps'] ? Number(values['parse-only-eps']) : runBenchmark('parse-only.bench.mjs', [file, '--runs', '1'], { echo: false }).events_per_s;
const huntBudget = (2 * 1e6) / parseOnly; // µs of CPU per event: 2 cores, parse-only's time per event
const evaluateBudget = 2; // µs of CPU per event: 2 cores at 1,000,000 events/s

console.log(`floors: ${events.toLocaleString('en-US')} Windows events of ${file}; keyword text ${Math.round(chars / events)} chars/event in ${round(keywordValues.length / events, 1)} values; best of ${runs}`);
const rows = [
  { work: 'JSON.parse of the line', kernel: 'parse', us: perEvent('parse'), per_char: null },
  { work: 'keyword text, charCodeAt loop', kernel: 'scan-str', us: perEvent('scan-str'), per_char: (best['scan-str'] * 1000) / chars },
  { work: 'keyword text, Uint16Array loop', kernel: 'scan-u16', us: perEvent('scan-u16'), per_char: (best['scan-u16'] * 1000) / chars },
  { work: 'keyword text, Mimikatz Use regex per value', kernel: 'mimikatz', us: perEvent('mimikatz'), per_char: (best.mimikatz * 1000) / chars },
];
printTable(
  rows.map((r) => ({ work: r.work, us: round(r.us, 2), ns: r.per_char === null ? null : round(r.per_char, 2) })),
  [
    ['work per event', 'work'],
    ['µs/event', 'us'],
    ['ns/char', 'ns'],
  ],
);
const huntFloor = perEvent('parse') + Math.min(perEvent('scan-str'), perEvent('mimikatz'));
const evaluateFloorStrings = Math.min(perEvent('scan-str'), perEvent('mimikatz'));
const evaluateFloorTyped = perEvent('scan-u16');
console.log('');
printTable(
  [
    { target: 'hunt, 2 workers, >= parse-only', budget: round(huntBudget, 2), floor: round(huntFloor, 2), what: 'parse + cheapest keyword pass over strings' },
    { target: 'evaluate, 2 workers, >= 1M events/s', budget: evaluateBudget, floor: round(evaluateFloorStrings, 2), what: 'cheapest keyword pass over strings' },
    { target: 'evaluate, same, typed-array scanner', budget: evaluateBudget, floor: round(evaluateFloorTyped, 2), what: 'bare Uint16Array pass' },
  ].map((r) => ({ ...r, left: round(r.budget - r.floor, 2) })),
  [
    ['target', 'target'],
    ['budget µs CPU/event', 'budget'],
    ['floor µs/event', 'floor'],
    ['budget left for all else', 'left'],
    ['floor is', 'what'],
  ],
);
console.log(
  JSON.stringify({
    benchmark: 'floors',
    file,
    events,
    keyword_chars_per_event: round(chars / events, 1),
    keyword_values_per_event: round(keywordValues.length / events, 2),
    runs,
    us_per_event: Object.fromEntries(Object.keys(kernels).map((k) => [k, round(perEvent(k), 3)])),
    ns_per_keyword_char: Object.fromEntries(['scan-str', 'scan-u16', 'mimikatz'].map((k) => [k, round((best[k] * 1000) / chars, 3)])),
    parse_only_events_per_s: parseOnly,
    budgets_us_cpu_per_event: { hunt: round(huntBudget, 3), evaluate: evaluateBudget },
    floors_us_per_event: { hunt: round(huntFloor, 3), evaluate_strings: round(evaluateFloorStrings, 3), evaluate_typed: round(evaluateFloorTyped, 3) },
    ...machine(),
  }),
);
