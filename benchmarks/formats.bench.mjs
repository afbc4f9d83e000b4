// Benchmark: events/s of each text-format parser next to JSON.parse of the same events as
// JSON Lines. Run after building core (`npx turbo run build`):
//   node benchmarks/formats.bench.mjs [--time 2000]
// Data (SIEMLITE_SHARED, default ../shared): the Elastic Apache access log, raw and its JSON
// twin (the same 10,000 requests); the OTRF auditd JSON, turned back into raw audit lines
// (values quoted, EXECVE arguments with a space hex-encoded, as the kernel writes them);
// syslog lines are built from the auditd EXECVE commands as sudo auth.log lines (RFC 3164)
// and as RFC 5424 lines with structured data, next to the same records as JSON; CEF lines
// are built from the Apache requests (a web gateway's CEF events), next to their JSON.
// The auditd and syslog sets are repeated to 10,000 lines.
// Prints a table and one JSON line (machine-readable) at the end. Never asserted in tests.
import { Buffer } from 'node:buffer';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { datasetLines } from './lib/common.mjs';
import { HeaderReader, lineParser, parseAccessLogLine, parseAuditdLine, parseCefLine, parseSyslogLine } from '../packages/core/dist/index.js';

const { values } = parseArgs({ options: { time: { type: 'string', default: '2000' } } });
const lines = datasetLines;

const apacheRaw = lines('elastic_examples_apache_access.log.gz');
const apacheJson = lines('elastic_examples_apache_access.jsonl.gz');

// The OTRF auditd file is small (a few dozen records): repeated to 10,000 for stable numbers.
const cycle = (list, n) => Array.from({ length: n }, (_, i) => list[i % list.length]);
const auditJson = cycle(lines('otrf_linux_auditd.jsonl.gz'), 10_000);
const auditRecords = auditJson.map((l) => JSON.parse(l));
const auditRaw = auditRecords.map((r) => {
  const { type, timestamp, serial, ...rest } = r;
  const pairs = Object.entries(rest).map(([k, v]) => {
    const text = String(v);
    if (type === 'EXECVE' && /^a\d+$/.test(k) && /[\s"]/.test(text)) return `${k}=${Buffer.from(text).toString('hex').toUpperCase()}`;
    return /^[\w.:/()-]*$/.test(text) && !['comm', 'exe', 'name', 'cwd'].includes(k) ? `${k}=${text}` : `${k}="${text}"`;
  });
  return `type=${type} msg=audit(${timestamp}:${serial}): ${pairs.join(' ')}`;
});

const commands = cycle(auditRecords.filter((r) => r.type === 'EXECVE').map((r) => `${r.a0 ?? ''} ${r.a1 ?? ''}`.trim()), 10_000);
const syslog3164 = commands.map((c, i) => `Nov 10 08:${String(i % 60).padStart(2, '0')}:44 host1 sudo[${1000 + i}]: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=${c}`);
const syslog5424 = commands.map((c, i) => `<86>1 2020-11-10T08:19:44.${String(i % 1000).padStart(3, '0')}Z host1 sudo ${1000 + i} - [meta@32473 tty="pts/0" user="root"] COMMAND=${c}`);
const syslogJson = syslog3164.map((l) => JSON.stringify(parseSyslogLine(l).record));
const syslog5424Json = syslog5424.map((l) => JSON.stringify(parseSyslogLine(l).record));

// CEF: the Apache requests as a web gateway would forward them (syslog header, CEF escapes).
const cefEscape = (v) => String(v).replaceAll('\\', '\\\\').replaceAll('=', '\\=');
const cefLines = apacheJson.map((l) => {
  const r = JSON.parse(l);
  return `May 17 10:05:03 gw1 CEF:0|Apache|httpd|2.4|${r['sc-status']}|${r['cs-method']} request|3|src=${r['c-ip']} requestMethod=${r['cs-method']} request=${cefEscape(r['c-uri'] ?? '')} requestClientApplication=${cefEscape(r['cs-user-agent'] ?? '')} out=${r['sc-bytes']}`;
});
const cefJson = cefLines.map((l) => JSON.stringify(parseCefLine(l).record));

// Header formats, from the same Apache requests: an IIS-style W3C log, a CSV file and a Zeek
// http.log (TSV). Each is parsed under its header (HeaderReader), as the readers do.
const apacheRecords = apacheJson.map((l) => JSON.parse(l));
const underHeader = (format, headerLines, body) => {
  const reader = new HeaderReader(format);
  for (const h of headerLines) reader.take(h);
  const parse = lineParser(format, reader.header);
  const json = body.map((l) => JSON.stringify(parse(l)));
  return [body, (line) => parse(line), json];
};
const dash = (v) => (v === undefined || v === '' ? '-' : String(v).replaceAll(' ', '+'));
const w3c = underHeader(
  'w3c',
  ['#Software: Microsoft Internet Information Services 10.0', '#Fields: date time cs-method cs-uri-stem cs-uri-query c-ip cs(User-Agent) cs(Referer) sc-status sc-bytes'],
  apacheRecords.map((r) => `2015-05-17 10:05:03 ${r['cs-method'] ?? '-'} ${dash(r['cs-uri-stem'])} ${dash(r['cs-uri-query'])} ${r['c-ip']} ${dash(r['cs-user-agent'])} ${dash(r['cs-referer'])} ${r['sc-status']} ${r['sc-bytes']}`),
);
const csvQuote = (v) => (/[",]/.test(String(v ?? '')) ? `"${String(v).replaceAll('"', '""')}"` : String(v ?? ''));
const csv = underHeader(
  'csv',
  ['c-ip,cs-method,c-uri,sc-status,sc-bytes,cs-user-agent,cs-referer'],
  apacheRecords.map((r) => [r['c-ip'], r['cs-method'], r['c-uri'], r['sc-status'], r['sc-bytes'], r['cs-user-agent'], r['cs-referer']].map(csvQuote).join(',')),
);
const zeekValue = (v) => (v === undefined || v === '' ? '-' : String(v).replaceAll('\t', '\\x09'));
const zeek = underHeader(
  'zeek-tsv',
  ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\thttp', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\treferrer\tuser_agent\tstatus_code\tresponse_body_len', '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tstring\tcount\tcount'],
  apacheRecords.map((r, i) => [1431857103 + i / 1000, `C${i}`, r['c-ip'], 40000 + (i % 20000), '10.0.0.1', 80, r['cs-method'], 'semicomplete.com', r['c-uri'], r['cs-referer'], r['cs-user-agent'], r['sc-status'], typeof r['sc-bytes'] === 'number' ? r['sc-bytes'] : undefined].map(zeekValue).join('\t')),
);

const bench = new Bench({ time: Number(values.time) });
const each = (name, input, fn) => bench.add(name, () => {
  for (let i = 0; i < input.length; i++) fn(input[i]);
});
const sets = [
  ['access log (Apache combined)', apacheRaw, parseAccessLogLine, apacheJson],
  ['auditd raw', auditRaw, parseAuditdLine, auditJson],
  ['syslog RFC 3164', syslog3164, parseSyslogLine, syslogJson],
  ['syslog RFC 5424', syslog5424, parseSyslogLine, syslog5424Json],
  ['CEF (with a syslog header)', cefLines, parseCefLine, cefJson],
  ['W3C extended (IIS)', ...w3c],
  ['CSV (RFC 4180)', ...csv],
  ['Zeek TSV (http.log)', ...zeek],
];
for (const [name, raw, parse, json] of sets) {
  const bad = raw.filter((l) => { const r = parse(l); return r.ok === false || r instanceof Error || r?.constructor?.name?.endsWith('Failure'); }).length;
  console.log(`${name}: ${raw.length} lines, ${bad} that do not parse`);
  each(`${name}: text parser`, raw, parse);
  each(`${name}: JSON.parse of the same events`, json, JSON.parse);
}
await bench.run();
const results = [];
for (let s = 0; s < sets.length; s++) {
  const [name, raw] = sets[s];
  const [text, json] = [bench.tasks[2 * s], bench.tasks[2 * s + 1]];
  const textRate = (text.result.hz * raw.length);
  const jsonRate = (json.result.hz * raw.length);
  results.push({ format: name, events: raw.length, textEventsPerSec: Math.round(textRate), jsonEventsPerSec: Math.round(jsonRate), ratio: +(textRate / jsonRate).toFixed(2) });
}
console.table(results);
console.log(JSON.stringify({ bench: 'formats', results }));
