// readRawRecords + the pool keep every readRecords guarantee: for each input shape, the
// events (as alerts of a rule matching everything, with record numbers), the bad records
// (codes, lines, messages, order) and the event count are exactly those of readRecords.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readRawRecords } from '../../src/io/read-raw-records.js';
import { createDetectorPool, type ChunkDetections } from '../../src/pool/detector-pool.js';
import { makeTempDir } from '../io/read-all.js';
import { EVERY_EVENT, alertLines, expectSameLines, reference } from './pool-fixtures.js';

const temp = makeTempDir('raw-equivalence');
const sets = [{ rules: [EVERY_EVENT] }];
const pool = createDetectorPool({ ruleSets: sets, workers: 2, maxInFlight: 3 });
afterAll(async () => {
  await pool.close();
  temp.remove();
});

const EVENTS = [
  { Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\cmd.exe', CommandLine: 'cmd /c "echo {[}]"' } } },
  { Event: { System: { EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7045 } }, EventData: { ServiceName: 'x\ny', Note: 'tab\there, quote \\" brace }' } } },
  { Event: { System: { EventID: '1151' }, EventData: null, Data: { '#text': ['a', 'b'] } } },
  { eventName: 'ConsoleLogin', 'ü': 'Ünïcödé ✓ 😀' },
];
const jsonLines = `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`;
const pretty = `${EVENTS.map((e) => JSON.stringify(e, null, 2)).join('\n')}\n`;

// Text logs (examples after Apache's mod_log_config docs, auditd's audit.log, RFC 3164 / 5424).
const ACCESS_LINE = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.php?id=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';
const ACCESS = `${ACCESS_LINE}\n${ACCESS_LINE.replace('GET', 'POST')}\n`;
const AUDIT = 'type=SYSCALL msg=audit(1604996384.965:93777): arch=c000003e syscall=59 success=yes comm="dd" exe="/bin/dd" key=(null)\ntype=EXECVE msg=audit(1604996384.965:93777): argc=2 a0="dd" a1=69663D2F6465762F7A65726F\n';
const SYSLOG = '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8\n<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event\n';

const CEF = 'Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232\nCEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|act=blocked a \\= dst=1.1.1.1\n';

const ZEEK_LINE = '1515600000.1\tC1\t192.168.1.10\t52144\t203.0.113.5\t3389\ttcp\tSF';
const ZEEK = `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\n${ZEEK_LINE}\n`;
const IIS_LINE = '2024-03-01 00:00:01 10.0.0.5 GET /default.aspx id=1 443 - 203.0.113.9 curl/8.0 - 200 0 0 15';
const IIS = `#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n${IIS_LINE}\n`;

const CASES: [string, string | Buffer][] = [
  ['JSON Lines', jsonLines],
  ['JSON Lines with CRLF, blank lines and a BOM', `\ufeff\n${jsonLines.replaceAll('\n', '\r\n  \r\n')}`],
  ['JSON Lines without a trailing newline', jsonLines.trimEnd()],
  ['pretty-printed objects', pretty],
  ['pretty-printed objects, CRLF, BOM, files concatenated with cat', `\ufeff${pretty.replaceAll('\n', '\r\n')}\ufeff${pretty}`],
  ['objects with nothing between them', EVENTS.map((e) => JSON.stringify(e)).join('')],
  ['a pretty-printed JSON array', JSON.stringify(EVENTS, null, 2)],
  ['a one-line JSON array', JSON.stringify(EVENTS)],
  ['an array missing its closing bracket', JSON.stringify(EVENTS, null, 2).slice(0, -1)],
  ['a pretty file whose last object is cut off', pretty.slice(0, -20)],
  ['a pretty file with a truncated object in the middle', `${pretty}{\n  "a": 1,\n${pretty}`],
  ['JSON Lines with broken, non-object and scalar lines', `${jsonLines}{"a":\n[1]\n"text"\n42\nnull\n${jsonLines}`],
  ['a too-large record right before broken ones', `${jsonLines}{"pad":"${'x'.repeat(5000)}"}\n{"x":}\n[1]\n${jsonLines}`],
  ['a deeply nested record', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}\n${jsonLines}`],
  ['invalid UTF-8 in one record', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from(`"}\n${jsonLines}`)])],
  ['an empty file', ''],
  ['whitespace only', ' \n\t\r\n'],
  ['UTF-16 text', Buffer.from(`\ufeff${jsonLines}`, 'utf16le')],
  ['binary data', Buffer.from([0x00, 0x01, 0x02, 0x7b, 0x00])],
  ['a text log (not JSON)', Array.from({ length: 300 }, (_, i) => `line ${i} of a text log`).join('\n')],
  ['an Apache combined log with a malformed, a truncated and an oversized line', `${ACCESS}garbage here\n${ACCESS_LINE.slice(0, 60)}\n${ACCESS_LINE.replace('/a.php', `/${'a'.repeat(5000)}`)}\n${ACCESS}`],
  ['an Apache combined log with CRLF and a BOM', `\ufeff${ACCESS.replaceAll('\n', '\r\n')}`],
  ['raw auditd lines with a broken one', `${AUDIT}type=EXECVE msg=audit(1.2:3): a0="unterminated\n${AUDIT}`],
  ['RFC 3164 and RFC 5424 syslog lines with a broken one', `${SYSLOG}<999>1 bad\n${SYSLOG}`],
  ['CEF lines, with and without a syslog header, and a truncated one', `${CEF}CEF:0|Security|threat\n${CEF}`],
  ['a Zeek TSV log whose #fields change mid-file, with a truncated line', `${ZEEK}${ZEEK_LINE}\n1.0\tC9\n#fields\tts\tquery\n#types\ttime\tstring\n2.0\tevil.example\n${ZEEK_LINE.split('\t').slice(0, 2).join('\t')}\n`],
  ['a W3C extended (IIS) log with a short line and a second #Fields:', `${IIS}2024-03-01 00:00:03 GET\n#Fields: date cs-method\n2024-03-01 PUT\n${IIS_LINE}\n`],
  ['a CSV file with quoted fields, a wrong field count and an unterminated quote', `user,action,detail\nbob,login,"failed, bad"\nx,y\n"a""b",c,"open\ncarol,logout,\n`],
  ['one good record, then 1,200 broken ones', `${jsonLines}${Array.from({ length: 1200 }, () => '{"x":}').join('\n')}\n${jsonLines}`],
];

describe('readRawRecords through the pool gives what readRecords gives', () => {
  for (const [name, content] of CASES) {
    it(name, async () => {
      const path = join(temp.dir, `${name.replaceAll(/\W+/g, '-')}.json`);
      writeFileSync(path, content);
      writeFileSync(`${path}.gz`, gzipSync(content));
      for (const inputs of [[path], [`${path}.gz`], [path, `${path}.gz`]]) {
        for (const chunkRecords of [1, 2, 1024]) {
          const expected = await reference(inputs, sets, { maxRecordBytes: 4096 });
          const results: ChunkDetections[] = [];
          for await (const r of pool.detect(readRawRecords(inputs, { chunkRecords, maxRecordBytes: 4096 }))) results.push(r);
          expect(results.flatMap((r) => r.bad)).toEqual(expected.bad);
          expect(results.reduce((n, r) => n + r.events, 0)).toBe(expected.events);
          expectSameLines(alertLines(results.flatMap((r) => r.alerts)), alertLines(expected.alerts));
        }
      }
    });
  }

  it('a gzip stream cut short: the records before the cut, then the io report', async () => {
    const big = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ n: i, pad: `${i}`.repeat(40) })).join('\n');
    const gz = gzipSync(big);
    const path = join(temp.dir, 'cut.jsonl.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const expected = await reference([path], sets);
    expect(expected.bad.at(-1)?.code).toBe('io');
    const results: ChunkDetections[] = [];
    for await (const r of pool.detect(readRawRecords([path], { chunkRecords: 100 }))) results.push(r);
    expect(results.flatMap((r) => r.bad)).toEqual(expected.bad);
    expectSameLines(alertLines(results.flatMap((r) => r.alerts)), alertLines(expected.alerts));
  });

  it('inputs that match nothing or do not exist are reported first, then files in order', async () => {
    const a = join(temp.dir, 'order-a.jsonl');
    writeFileSync(a, jsonLines);
    const inputs = [join(temp.dir, 'nothing-*.jsonl'), join(temp.dir, 'no-such-file.jsonl'), a, join(temp.dir, 'no-such-dir/x.jsonl')];
    const expected = await reference(inputs, sets);
    const results: ChunkDetections[] = [];
    for await (const r of pool.detect(readRawRecords(inputs))) results.push(r);
    expect(results.flatMap((r) => r.bad)).toEqual(expected.bad);
    expect(expected.bad.map((b) => b.code)).toEqual(['io', 'io', 'io']);
    expectSameLines(alertLines(results.flatMap((r) => r.alerts)), alertLines(expected.alerts));
  });
});
