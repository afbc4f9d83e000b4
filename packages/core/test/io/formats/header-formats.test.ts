// Zeek TSV, W3C extended (IIS) and CSV (RFC 4180): samples after the Zeek documentation
// ("Zeek Logs" / conn.log), W3C WD-logfile and IIS logging docs, and RFC 4180 §2, plus
// malformed, truncated and oversized lines, through the line parser and the readers.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HeaderReader, headerLineParser, HeaderLineFailure } from '../../../src/io/formats/header-formats.js';
import { detectTextFormat } from '../../../src/io/formats/text-formats.js';
import { MAX_LINE_CHARS } from '../../../src/io/formats/line-result.js';
import { makeTempDir, readAll } from '../read-all.js';

const temp = makeTempDir('header-formats');
afterAll(temp.remove);

const ZEEK_CONN = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2019-01-01-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\tconn_state\tlocal_orig\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tstring\tbool\tset[string]',
  '1515600000.123456\tCHhAvVGS1DHFjwGM9\t192.168.1.10\t52144\t203.0.113.5\t3389\ttcp\t-\t0.5\tSF\tT\t(empty)',
  '1515600001.000000\tC4J4Th3PJpwUYZZ6gc\t192.168.1.11\t53\t192.168.1.1\t53\tudp\tdns\t-\tS0\tF\tCa,Cb',
  '#close\t2019-01-01-01-00-00',
].join('\n');

const IIS = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2024-03-01 00:00:01',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2024-03-01 00:00:01 10.0.0.5 GET /default.aspx id=1 443 - 203.0.113.9 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15',
  '2024-03-01 00:00:02 10.0.0.5 POST /owa/auth.owa - 443 bob 203.0.113.9 curl/8.0 https://mail.example.com/ 302 0 0 31',
].join('\n');

const CSV = ['user,action,detail', 'bob,login,"failed, bad password"', 'alice,"log""in","multi word"', 'carol,logout,'].join('\r\n');

function parseAll(format: 'zeek-tsv' | 'w3c' | 'csv', text: string): unknown[] {
  const reader = new HeaderReader(format);
  const out: unknown[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || reader.take(line)) continue;
    out.push(headerLineParser(format, reader.header)(line));
  }
  return out;
}

describe('Zeek TSV', () => {
  it('reads the directives and types the values as Zeek JSON does, with _path from #path', () => {
    expect(parseAll('zeek-tsv', ZEEK_CONN)).toEqual([
      {
        _path: 'conn', ts: 1515600000.123456, uid: 'CHhAvVGS1DHFjwGM9', 'id.orig_h': '192.168.1.10', 'id.orig_p': 52144, 'id.resp_h': '203.0.113.5',
        'id.resp_p': 3389, proto: 'tcp', duration: 0.5, conn_state: 'SF', local_orig: true, tunnel_parents: [],
      },
      {
        _path: 'conn', ts: 1515600001, uid: 'C4J4Th3PJpwUYZZ6gc', 'id.orig_h': '192.168.1.11', 'id.orig_p': 53, 'id.resp_h': '192.168.1.1',
        'id.resp_p': 53, proto: 'udp', service: 'dns', conn_state: 'S0', local_orig: false, tunnel_parents: ['Ca', 'Cb'],
      },
    ]);
  });

  it('decodes \\xHH escapes in values', () => {
    const reader = new HeaderReader('zeek-tsv');
    for (const l of ['#separator \\x09', '#fields\tts\tquery', '#types\ttime\tstring']) reader.take(l);
    expect(headerLineParser('zeek-tsv', reader.header)('1.0\ta\\x09b')).toEqual({ ts: 1, query: 'a\tb' });
  });

  it('rejects a truncated line, a line before #fields and an oversized line', () => {
    const [, , bad] = parseAll('zeek-tsv', `${ZEEK_CONN}\n1515600002.0\tCx\t192.168.1.12`) as HeaderLineFailure[];
    expect(bad).toEqual(new HeaderLineFailure(29, 'expected 12 fields, found 3'));
    expect(headerLineParser('zeek-tsv', null)('1.0\tC1')).toEqual(new HeaderLineFailure(1, 'no #fields line before this line'));
    expect(headerLineParser('zeek-tsv', { fields: ['a'] })('x'.repeat(MAX_LINE_CHARS + 1))).toBeInstanceOf(HeaderLineFailure);
  });
});

describe('W3C extended (IIS)', () => {
  it('names the columns from #Fields:, with SigmaHQ names for cs(...) headers, numbers for status and time, - left out', () => {
    expect(parseAll('w3c', IIS)).toEqual([
      {
        date: '2024-03-01', time: '00:00:01', 's-ip': '10.0.0.5', 'cs-method': 'GET', 'cs-uri-stem': '/default.aspx', 'cs-uri-query': 'id=1', 's-port': 443,
        'c-ip': '203.0.113.9', 'cs-user-agent': 'Mozilla/5.0+(Windows+NT+10.0)', 'sc-status': 200, 'sc-substatus': 0, 'sc-win32-status': 0, 'time-taken': 15,
      },
      {
        date: '2024-03-01', time: '00:00:02', 's-ip': '10.0.0.5', 'cs-method': 'POST', 'cs-uri-stem': '/owa/auth.owa', 's-port': 443, 'cs-username': 'bob',
        'c-ip': '203.0.113.9', 'cs-user-agent': 'curl/8.0', 'cs-referer': 'https://mail.example.com/', 'sc-status': 302, 'sc-substatus': 0, 'sc-win32-status': 0, 'time-taken': 31,
      },
    ]);
  });

  it('rejects a line with too few fields, with the column at its end', () => {
    expect(parseAll('w3c', `${IIS}\n2024-03-01 00:00:03 10.0.0.5 GET`).at(-1)).toEqual(new HeaderLineFailure(33, 'expected 15 fields, found 4'));
  });
});

describe('CSV (RFC 4180)', () => {
  it('takes the names from the header line and unquotes fields (commas, doubled quotes, empty last field)', () => {
    expect(parseAll('csv', CSV)).toEqual([
      { user: 'bob', action: 'login', detail: 'failed, bad password' },
      { user: 'alice', action: 'log"in', detail: 'multi word' },
      { user: 'carol', action: 'logout', detail: '' },
    ]);
  });

  it('rejects an unterminated quote (a record spanning lines), a stray quote and a wrong field count', () => {
    const parse = headerLineParser('csv', { fields: ['a', 'b'] });
    expect(parse('x,"open')).toEqual(new HeaderLineFailure(3, 'malformed quoted field (RFC 4180; a field spanning lines is not supported)'));
    expect(parse('x,a"b')).toEqual(new HeaderLineFailure(4, 'malformed quoted field (RFC 4180; a field spanning lines is not supported)'));
    expect(parse('x,y,z')).toEqual(new HeaderLineFailure(6, 'expected 2 fields, found 3'));
  });
});

describe('header formats in the readers', () => {
  it('detects each format from content', () => {
    expect(detectTextFormat(Buffer.from(ZEEK_CONN), true)).toBe('zeek-tsv');
    expect(detectTextFormat(Buffer.from(IIS), true)).toBe('w3c');
    expect(detectTextFormat(Buffer.from(CSV), true)).toBe('csv');
    expect(detectTextFormat(Buffer.from('just,one\n'), true)).toBeNull();
  });

  it('reads records under their header, header lines not counted as records, bad lines reported with line numbers', async () => {
    const path = join(temp.dir, 'conn.log');
    writeFileSync(path, `${ZEEK_CONN}\n1515600002.0\tCx\n`);
    const { records, bad } = await readAll([path]);
    expect(records.map((r) => [r.record, r.value.uid, r.value._path])).toEqual([
      [1, 'CHhAvVGS1DHFjwGM9', 'conn'],
      [2, 'C4J4Th3PJpwUYZZ6gc', 'conn'],
    ]);
    expect(bad).toEqual([{ path, record: 3, line: 12, code: 'bad-line', message: 'column 16: expected 12 fields, found 2 (zeek-tsv format)' }]);
    const csv = join(temp.dir, 'users.csv');
    writeFileSync(csv, `${CSV}\r\n`);
    expect((await readAll([csv])).records.map((r) => r.value.user)).toEqual(['bob', 'alice', 'carol']);
  });
});
