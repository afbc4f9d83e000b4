import { checkLine, lineFailure, lineRecord, type LineResult } from './line-result.js';

// Syslog lines, RFC 3164 (BSD, also what /var/log/syslog and auth.log hold, without <PRI>)
// and RFC 5424. Both give the same field names: facility and severity (numbers, when a PRI
// is there), timestamp (as written), hostname, program, pid, message; RFC 5424 adds msgid
// and structuredData ({ sdId: { param: value } }). `program` is what source recognition reads
// for the service (sshd, sudo, cron...).
const PRI = /^<(\d{1,3})>/;
// RFC 3164 §4.1.2: "Mmm dd hh:mm:ss" (day space-padded); also accepts the ISO 8601 stamp
// rsyslog writes by default in files.
const BSD_HEADER = /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)) (\S+) /;
const TAG = /^([^\s[\]:]{1,48})(?:\[([^\]\s]*)\])?: ?/;
const V5424_HEADER = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /;
const SD_PARAM = /([^\s="\]]{1,32})="((?:[^"\\]|\\.)*)"/y;
const SD_ESCAPE = /\\(["\\\]])/g;

function nil(value: string): string | undefined {
  return value === '-' ? undefined : value;
}

function setPri(record: Record<string, unknown>, pri: string): boolean {
  const value = Number(pri);
  if (value > 191) return false;
  record.facility = value >> 3;
  record.severity = value & 7;
  return true;
}

/** RFC 5424 §6.3 STRUCTURED-DATA at `at`; returns the index after it, or a negative failure column. */
function parseStructuredData(line: string, at: number, out: Record<string, Record<string, string>>): number {
  if (line.charCodeAt(at) === 45 /* - */) return at + 1;
  while (line.charCodeAt(at) === 91 /* [ */) {
    let end = at + 1;
    while (end < line.length && line.charCodeAt(end) !== 32 && line.charCodeAt(end) !== 93) end += 1;
    const id = line.slice(at + 1, end);
    if (id.length === 0) return -(at + 2);
    const params: Record<string, string> = {};
    at = end;
    while (line.charCodeAt(at) === 32) {
      SD_PARAM.lastIndex = at + 1;
      const m = SD_PARAM.exec(line);
      if (!m) return -(at + 2);
      params[m[1]!] = m[2]!.includes('\\') ? m[2]!.replace(SD_ESCAPE, '$1') : m[2]!;
      at = SD_PARAM.lastIndex;
    }
    if (line.charCodeAt(at) !== 93 /* ] */) return -(at + 1);
    out[id] = params;
    at += 1;
  }
  return at;
}

/**
 * Parses one syslog line, RFC 5424 when it starts `<PRI>1 `, RFC 3164 otherwise.
 *
 * @example
 * parseSyslogLine('<38>Feb  5 17:32:18 host sshd[4123]: Accepted password for bob')
 * // { ok: true, record: { facility: 4, severity: 6, timestamp: 'Feb  5 17:32:18', hostname: 'host', program: 'sshd', pid: '4123', message: 'Accepted password for bob' } }
 */
export function parseSyslogLine(line: string): LineResult {
  const bad = checkLine(line);
  if (bad) return bad;
  const record: Record<string, unknown> = {};
  let at = 0;
  const pri = PRI.exec(line);
  if (pri) {
    if (!setPri(record, pri[1]!)) return lineFailure(2, 'PRI above 191');
    at = pri[0].length;
  }
  let rest = at === 0 ? line : line.slice(at);
  if (pri && rest.startsWith('1 ')) {
    const head = V5424_HEADER.exec(rest);
    if (!head) return lineFailure(at + 1, 'expected RFC 5424 "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID"');
    record.timestamp = nil(head[1]!);
    record.hostname = nil(head[2]!);
    record.program = nil(head[3]!);
    record.pid = nil(head[4]!);
    record.msgid = nil(head[5]!);
    at += head[0].length;
    const sd: Record<string, Record<string, string>> = {};
    const after = parseStructuredData(line, at, sd);
    if (after < 0) return lineFailure(-after, 'malformed STRUCTURED-DATA');
    if (Object.keys(sd).length > 0) record.structuredData = sd;
    if (after < line.length) {
      if (line.charCodeAt(after) !== 32) return lineFailure(after + 1, 'expected a space before MSG');
      // RFC 5424 §6.4: MSG may start with a UTF-8 BOM.
      record.message = line.charCodeAt(after + 1) === 0xfeff ? line.slice(after + 2) : line.slice(after + 1);
    }
    for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
    return lineRecord(record);
  }
  const head = BSD_HEADER.exec(rest);
  if (!head) return lineFailure(at + 1, 'expected an RFC 3164 "Mmm dd hh:mm:ss HOSTNAME" header');
  record.timestamp = head[1];
  record.hostname = head[2];
  at += head[0].length;
  rest = line.slice(at);
  const tag = TAG.exec(rest);
  if (tag) {
    record.program = tag[1];
    if (tag[2] !== undefined) record.pid = tag[2];
    record.message = rest.slice(tag[0].length);
  } else {
    record.message = rest; // RFC 3164 §4.1.3: the TAG is optional
  }
  return lineRecord(record);
}
