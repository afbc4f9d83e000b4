// Text logs in the readers: the format told per file from content, or forced; each line
// one record; a line that does not parse is a bad record with its line and column.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectTextFormat, parseTextLine, LineFailure } from '../../src/io/formats/text-formats.js';
import { makeTempDir, readAll } from './read-all.js';

const temp = makeTempDir('text-formats');
afterAll(temp.remove);

const ACCESS = [
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
  '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
].join('\n');
const AUDIT = [
  'type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no exit=-13 a0=7fffd19c5592 comm="cat" exe="/bin/cat" key="sshd_config"',
  'type=PROCTITLE msg=audit(1364481363.243:24287): proctitle=636174002F6574632F7373682F737368645F636F6E666967',
].join('\n');
const SYSLOG = [
  'Feb  5 17:32:18 web1 sshd[4123]: Accepted password for bob from 10.0.0.5 port 52144 ssh2',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - An application event',
].join('\n');

const CEF = [
  'Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232',
  'CEF:0|Security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1',
].join('\n');

function file(name: string, content: string): string {
  const path = join(temp.dir, name);
  writeFileSync(path, content);
  return path;
}

describe('detectTextFormat', () => {
  it.each([
    ['access-log', ACCESS],
    ['auditd', AUDIT],
    ['syslog', SYSLOG],
    ['cef', CEF],
  ])('tells %s from its lines', (format, text) => {
    expect(detectTextFormat(Buffer.from(`${text}\n`), true)).toBe(format);
  });

  it('finds no format in prose or one line of commas, and CSV in a header with records', () => {
    expect(detectTextFormat(Buffer.from('hello world\nthis is not a log\n'), true)).toBeNull();
    expect(detectTextFormat(Buffer.from('a,b,c\n'), true)).toBeNull();
    expect(detectTextFormat(Buffer.from('a,b,c\n1,2,3\n'), true)).toBe('csv');
    expect(detectTextFormat(Buffer.from(''), true)).toBeNull();
  });

  it('tolerates a broken line among good ones, and ignores a sample\'s cut last line', () => {
    expect(detectTextFormat(Buffer.from(`${ACCESS}\n${ACCESS}\nbroken\n${ACCESS}\n${ACCESS}\n`), true)).toBe('access-log');
    expect(detectTextFormat(Buffer.from(`${AUDIT}\ntype=SYS`), false)).toBe('auditd');
  });
});

describe('parseTextLine', () => {
  it('drops the CR of a CRLF line and reports failures with the column', () => {
    expect(parseTextLine('syslog', 'Feb  5 17:32:18 h cron[1]: x\r')).toMatchObject({ program: 'cron', message: 'x' });
    const failure = parseTextLine('access-log', '1.2.3.4 - - [x] "GET / HTTP/1.0" abc 1');
    expect(failure).toBeInstanceOf(LineFailure);
    expect((failure as LineFailure).message).toBe('column 34: expected a 3-digit status (access-log format)');
  });
});

describe('readRecords on text logs', () => {
  it('reads each format told from content, one record per line, numbered by line', async () => {
    for (const [name, text, first] of [
      ['access.log', ACCESS, { 'c-ip': '127.0.0.1', 'cs-username': 'frank', 'cs-method': 'GET', 'cs-uri-stem': '/apache_pb.gif' }],
      ['audit.log', AUDIT, { type: 'SYSCALL', serial: '24287', comm: 'cat', key: 'sshd_config' }],
      ['messages', SYSLOG, { hostname: 'web1', program: 'sshd', pid: '4123' }],
    ] as const) {
      const { records, bad } = await readAll([file(name, `${text}\n`)]);
      expect(bad).toEqual([]);
      expect(records.map((r) => r.record)).toEqual([1, 2]);
      expect(records[0]?.value).toMatchObject(first);
    }
  });

  it('reports a line that does not parse as bad-line with its line number and column, and keeps going', async () => {
    const path = file('mixed.log', `${ACCESS}\n\n127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0\n${ACCESS}\n`);
    const { records, bad } = await readAll([path]);
    expect(records.map((r) => r.record)).toEqual([1, 2, 4, 5]);
    expect(bad).toEqual([{ path, record: 3, line: 4, code: 'bad-line', message: 'column 44: expected "request line" (access-log format)' }]);
  });

  it('reports an oversized line as too-large and a truncated last line as bad-line', async () => {
    const path = file('big.log', `${ACCESS}\n127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /${'a'.repeat(5000)} HTTP/1.0" 200 1\n127.0.0.1 - - [10/Oct/2000:13:5`);
    const { records, bad } = await readAll([path], { maxRecordBytes: 4096 });
    expect(records.map((r) => r.record)).toEqual([1, 2]);
    expect(bad.map((b) => [b.record, b.line, b.code])).toEqual([
      [3, 3, 'too-large'],
      [4, 4, 'bad-line'],
    ]);
  });

  it('reads every file as the forced format, and JSON only with json', async () => {
    const path = file('forced.txt', `${SYSLOG}\n`);
    const forced = await readAll([path], { inputFormat: 'access-log' });
    expect(forced.records).toEqual([]);
    expect(forced.bad.map((b) => b.code)).toEqual(['bad-line', 'bad-line']);
    const json = await readAll([path], { inputFormat: 'json' });
    expect(json.records).toEqual([]);
    expect(json.bad[0]?.code).toBe('bad-json');
    await expect(readAll([path], { inputFormat: 'xml' as never })).rejects.toThrow(/inputFormat must be one of auto, json, zeek-tsv, w3c, auditd, cef, access-log, syslog, csv, not 'xml'/);
  });

  it('still reads JSON Lines as JSON with auto', async () => {
    const { records } = await readAll([file('a.jsonl', '{"program":"sshd","message":"x","hostname":"h"}\n')]);
    expect(records[0]?.value).toEqual({ program: 'sshd', message: 'x', hostname: 'h' });
  });
});
