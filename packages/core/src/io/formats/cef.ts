import { checkLine, lineFailure, lineRecord, type LineResult } from './line-result.js';

// ArcSight Common Event Format (Micro Focus "Implementing ArcSight CEF", revision 25):
//   CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension
// The seven header fields become cefVersion, deviceVendor, deviceProduct, deviceVersion,
// deviceEventClassId, name, severity (strings, as written); the extension's key=value pairs
// keep their CEF keys (src, dst, suser, act, request, ...). In the header `\|` and `\\` are
// escapes; in the extension `\=`, `\\`, `\n` and `\r`. A value runs to the next ` key=`,
// so it may hold spaces. A syslog header before `CEF:` (as most senders write it) is kept
// whole in `syslogPrefix`.
const HEADER_FIELDS = ['cefVersion', 'deviceVendor', 'deviceProduct', 'deviceVersion', 'deviceEventClassId', 'name', 'severity'] as const;
/** An extension key: letters, digits, `_`, `.`, `-`, `[`, `]`, then `=`. */
const KEY = /[A-Za-z0-9_.[\]-]+=/y;
const HEADER_ESCAPE = /\\([|\\])/g;

function unescapeValue(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\' || i + 1 === raw.length) {
      out += c;
      continue;
    }
    const next = raw[++i];
    out += next === 'n' ? '\n' : next === 'r' ? '\r' : next;
  }
  return out;
}

/** Where a value that starts at `from` ends: at the space before the next unescaped `key=`, or the line's end. */
function valueEnd(line: string, from: number): number {
  let at = from;
  for (;;) {
    const space = line.indexOf(' ', at);
    if (space < 0) return line.length;
    KEY.lastIndex = space + 1;
    if (KEY.exec(line) !== null) return space;
    at = space + 1;
  }
}

/**
 * Parses one CEF line (optionally after a syslog header).
 *
 * @example
 * parseCefLine('CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232')
 * // { ok: true, record: { cefVersion: '0', deviceVendor: 'Security', ..., severity: '10', src: '10.0.0.1', dst: '2.1.2.2', spt: '1232' } }
 */
export function parseCefLine(line: string): LineResult {
  const bad = checkLine(line);
  if (bad) return bad;
  const start = line.startsWith('CEF:') ? 0 : line.indexOf(' CEF:') + 1;
  if (start <= 0 && !line.startsWith('CEF:')) return lineFailure(1, 'expected "CEF:Version|..."');
  const record: Record<string, unknown> = {};
  if (start > 0) record.syslogPrefix = line.slice(0, start - 1);
  let at = start + 4;
  for (let f = 0; f < HEADER_FIELDS.length; f++) {
    let end = at;
    while (end < line.length && line.charCodeAt(end) !== 124 /* | */) end += line.charCodeAt(end) === 92 /* \ */ ? 2 : 1;
    if (end >= line.length) return lineFailure(Math.min(end, line.length) + 1, `expected '|' after the ${HEADER_FIELDS[f]} field (the header has 7 fields)`);
    const raw = line.slice(at, end);
    record[HEADER_FIELDS[f] as string] = raw.includes('\\') ? raw.replace(HEADER_ESCAPE, '$1') : raw;
    at = end + 1;
  }
  while (at < line.length) {
    if (line.charCodeAt(at) === 32) {
      at += 1;
      continue;
    }
    KEY.lastIndex = at;
    const key = KEY.exec(line);
    if (key === null) return lineFailure(at + 1, 'expected key=value in the extension');
    const from = KEY.lastIndex;
    const end = valueEnd(line, from);
    record[key[0].slice(0, -1)] = unescapeValue(line.slice(from, end));
    at = end;
  }
  return lineRecord(record);
}
