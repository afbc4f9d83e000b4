import { checkLine, lineFailure, lineRecord, type LineResult } from './line-result.js';

// Apache/Nginx "common" and "combined" log formats (Apache mod_log_config:
// `%h %l %u %t "%r" %>s %b` and `... "%{Referer}i" "%{User-agent}i"`). Output fields are
// the W3C names SigmaHQ's category: webserver rules use (c-ip, cs-method, cs-uri-stem,
// cs-uri-query, cs-version, sc-status, sc-bytes, cs-referer, cs-user-agent, cs-username).
// Compiled once; each token is matched at a cursor so a failure carries its column.
const TOKEN = /[^ ]+/y;
const BRACKETED = /\[([^\]]*)\]/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const STATUS = /(\d{3}|-)/y;
const BYTES = /(\d+|-)/y;
// Apache writes \" and \\ for a quote and a backslash, and \xhh for other bytes it will
// not log raw; only the first two are undone, \xhh stays as logged (as in the JSON twin).
const ESCAPE = /\\(["\\])/g;

function unescape(text: string): string {
  return text.includes('\\') ? text.replace(ESCAPE, '$1') : text;
}

function splitRequest(record: Record<string, unknown>, request: string): void {
  const first = request.indexOf(' ');
  if (first < 0) {
    record['c-uri'] = request; // "-" or a request line without a method: kept whole
    return;
  }
  const last = request.lastIndexOf(' ');
  record['cs-method'] = request.slice(0, first);
  const uri = last > first ? request.slice(first + 1, last) : request.slice(first + 1);
  if (last > first) record['cs-version'] = request.slice(last + 1);
  const query = uri.indexOf('?');
  record['cs-uri-stem'] = query < 0 ? uri : uri.slice(0, query);
  record['cs-uri-query'] = query < 0 ? '' : uri.slice(query + 1);
  record['c-uri'] = uri;
}

/**
 * Parses one access-log line (common or combined; a combined line may carry more
 * quoted fields after the user agent, which are ignored).
 *
 * @example
 * parseAccessLogLine('1.2.3.4 - bob [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.0" 200 2326')
 * // { ok: true, record: { 'c-ip': '1.2.3.4', 'cs-username': 'bob', 'cs-method': 'GET', 'cs-uri-stem': '/a', ... } }
 */
export function parseAccessLogLine(line: string): LineResult {
  const bad = checkLine(line);
  if (bad) return bad;
  let at = 0;
  const take = (re: RegExp, what: string): RegExpExecArray | string => {
    re.lastIndex = at;
    const m = re.exec(line);
    if (!m) return `expected ${what}`;
    at = re.lastIndex;
    return m;
  };
  const space = (): boolean => {
    if (line.charCodeAt(at) !== 32) return false;
    at += 1;
    return true;
  };
  const host = take(TOKEN, 'client address');
  if (typeof host === 'string') return lineFailure(at + 1, host);
  if (!space()) return lineFailure(at + 1, 'expected a space after the client address');
  const ident = take(TOKEN, 'identity');
  if (typeof ident === 'string' || !space()) return lineFailure(at + 1, 'expected identity (%l)');
  const user = take(TOKEN, 'user');
  if (typeof user === 'string' || !space()) return lineFailure(at + 1, 'expected user (%u)');
  const time = take(BRACKETED, '[time]');
  if (typeof time === 'string' || !space()) return lineFailure(at + 1, 'expected [time]');
  const request = take(QUOTED, '"request line"');
  if (typeof request === 'string' || !space()) return lineFailure(at + 1, 'expected "request line"');
  const status = take(STATUS, 'status');
  if (typeof status === 'string' || !space()) return lineFailure(at + 1, 'expected a 3-digit status');
  const bytes = take(BYTES, 'bytes');
  if (typeof bytes === 'string') return lineFailure(at + 1, 'expected the response size or -');
  // Same names and shape as the Elastic examples' JSON twin, so both give the same alerts.
  const record: Record<string, unknown> = { date: time[1], 'c-ip': host[0], 'cs-username': user[0] };
  splitRequest(record, unescape(request[1]!));
  record['sc-status'] = status[1] === '-' ? '-' : Number(status[1]);
  record['sc-bytes'] = bytes[1] === '-' ? '-' : Number(bytes[1]);
  if (at === line.length) return lineRecord(record);
  if (!space()) return lineFailure(at + 1, 'unexpected text after the response size');
  const referer = take(QUOTED, '"referer"');
  if (typeof referer === 'string' || !space()) return lineFailure(at + 1, 'expected "referer" "user agent"');
  const agent = take(QUOTED, '"user agent"');
  if (typeof agent === 'string') return lineFailure(at + 1, 'expected "user agent"');
  record['cs-referer'] = unescape(referer[1]!);
  record['cs-user-agent'] = unescape(agent[1]!);
  return lineRecord(record);
}
