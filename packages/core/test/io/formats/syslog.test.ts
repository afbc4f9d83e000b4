import { describe, expect, it } from 'vitest';
import { parseSyslogLine } from '../../../src/io/formats/syslog.js';
import { MAX_LINE_CHARS } from '../../../src/io/formats/line-result.js';

describe('parseSyslogLine, RFC 3164', () => {
  it('parses the RFC 3164 §5.4 example', () => {
    expect(parseSyslogLine("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")).toEqual({
      ok: true,
      record: {
        facility: 4,
        severity: 2,
        timestamp: 'Oct 11 22:14:15',
        hostname: 'mymachine',
        program: 'su',
        message: "'su root' failed for lonvick on /dev/pts/8",
      },
    });
  });

  it('reads a /var/log/auth.log line without PRI, with a pid and a space-padded day', () => {
    expect(parseSyslogLine('Feb  5 17:32:18 web1 sshd[4123]: Failed password for root from 10.0.0.5 port 2222 ssh2')).toEqual({
      ok: true,
      record: {
        timestamp: 'Feb  5 17:32:18',
        hostname: 'web1',
        program: 'sshd',
        pid: '4123',
        message: 'Failed password for root from 10.0.0.5 port 2222 ssh2',
      },
    });
  });

  it('accepts the ISO 8601 stamp of rsyslog files and a line without a tag', () => {
    expect(parseSyslogLine('2024-01-02T03:04:05.123+01:00 db1 CRON[77]: (root) CMD (run-parts)')).toMatchObject({
      ok: true,
      record: { timestamp: '2024-01-02T03:04:05.123+01:00', program: 'CRON', pid: '77' },
    });
    expect(parseSyslogLine('<13>Oct 11 22:14:15 host just text here')).toEqual({
      ok: true,
      record: { facility: 1, severity: 5, timestamp: 'Oct 11 22:14:15', hostname: 'host', message: 'just text here' },
    });
  });
});

describe('parseSyslogLine, RFC 5424', () => {
  it('parses the RFC 5424 §6.5 examples, with structured data and BOM', () => {
    expect(parseSyslogLine('<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF\'su root\' failed for lonvick on /dev/pts/8')).toEqual({
      ok: true,
      record: {
        facility: 4,
        severity: 2,
        timestamp: '2003-10-11T22:14:15.003Z',
        hostname: 'mymachine.example.com',
        program: 'su',
        msgid: 'ID47',
        message: "'su root' failed for lonvick on /dev/pts/8",
      },
    });
    const sd = '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]';
    expect(parseSyslogLine(sd)).toMatchObject({
      ok: true,
      record: {
        facility: 20,
        severity: 5,
        program: 'evntslog',
        structuredData: {
          'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
          'examplePriority@32473': { class: 'high' },
        },
      },
    });
  });

  it('undoes the \\" \\\\ \\] escapes of PARAM-VALUE', () => {
    const line = '<14>1 - host app 12 - [x@1 v="a\\"b\\]c\\\\d"] msg';
    expect(parseSyslogLine(line)).toMatchObject({ ok: true, record: { pid: '12', structuredData: { 'x@1': { v: 'a"b]c\\d' } }, message: 'msg' } });
  });

  it('locates malformed and truncated structured data', () => {
    const head = '<14>1 2003-10-11T22:14:15Z host app - - ';
    expect(parseSyslogLine(`${head}[x@1 v="unterminated`)).toMatchObject({ ok: false, column: head.length + 6, reason: 'malformed STRUCTURED-DATA' });
    expect(parseSyslogLine(`${head}[x@1 v="1"`)).toMatchObject({ ok: false, column: head.length + 11 });
    expect(parseSyslogLine('<14>1 2003-10-11T22:14:15Z host')).toMatchObject({ ok: false, column: 5 });
  });
});

describe('parseSyslogLine, bad input', () => {
  it('rejects a PRI above 191, a missing header, an empty and an oversized line', () => {
    expect(parseSyslogLine('<192>Oct 11 22:14:15 host su: x')).toEqual({ ok: false, column: 2, reason: 'PRI above 191' });
    expect(parseSyslogLine('<34>yesterday host su: x')).toMatchObject({ ok: false, column: 5 });
    expect(parseSyslogLine('')).toMatchObject({ ok: false, column: 1 });
    expect(parseSyslogLine(`Oct 11 22:14:15 host su: ${'x'.repeat(MAX_LINE_CHARS)}`)).toMatchObject({ ok: false, column: 1 });
  });
});
