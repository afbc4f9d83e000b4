import { checkLine, lineFailure, lineRecord, type LineResult } from './line-result.js';

// Linux audit raw lines (auditd's /var/log/audit/audit.log), one record per line as
// SigmaHQ's product: linux, service: auditd rules expect:
//   type=EXECVE msg=audit(1604996384.965:93777): argc=3 a0="ls" a1=2F746D70
// becomes { type: 'EXECVE', timestamp: '1604996384.965', serial: '93777', argc: '3', a0: 'ls', a1: '/tmp' }.
// All values stay strings, as in the OTRF auditd JSON. Quoted values are unquoted; unquoted
// values of the fields the kernel hex-encodes (execve arguments, proctitle, comm, exe, path...)
// are decoded when they are hex. SYSCALL a0..a3 are register values in hex and stay as they are.
// A single-quoted msg='k=v ...' (USER_* records) is parsed into the same record. Fields after
// the 0x1d separator (auditd's enriched, upper-case names like AUID) are kept too.
const HEADER = /^type=([A-Z0-9_]+) msg=audit\((\d+(?:\.\d+)?):(\d+)\):/;
const HEX = /^(?:[0-9A-F]{2})+$/;
const EXECVE_ARG = /^a\d+$/;
const ENCODED = new Set(['proctitle', 'comm', 'exe', 'cwd', 'name', 'path', 'key', 'data', 'cmd', 'acct', 'new', 'old', 'ocomm']);
const DECODER = new TextDecoder('utf-8', { fatal: false });

function isEncoded(type: string, key: string): boolean {
  return ENCODED.has(key) || (type === 'EXECVE' && EXECVE_ARG.test(key));
}

function decodeHex(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  // proctitle separates argv with NUL; show it as spaces, as ausearch -i does.
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) bytes[i] = 32;
  return DECODER.decode(bytes);
}

/** Parses `k=v k="v" k='v ...'` pairs from `from` onwards into `record`; returns a failure column or 0. */
function parsePairs(line: string, from: number, end: number, type: string, record: Record<string, unknown>): number {
  let at = from;
  while (at < end) {
    const c = line.charCodeAt(at);
    if (c === 32 || c === 0x1d || c === 9) {
      at += 1;
      continue;
    }
    const eq = line.indexOf('=', at);
    if (eq < 0 || eq >= end) return at + 1;
    const key = line.slice(at, eq);
    if (key.length === 0 || key.includes(' ')) return at + 1;
    at = eq + 1;
    const q = line.charCodeAt(at);
    if (q === 34 /* " */) {
      const close = line.indexOf('"', at + 1);
      if (close < 0 || close >= end) return at + 1;
      record[key] = line.slice(at + 1, close);
      at = close + 1;
    } else if (q === 39 /* ' */ && key === 'msg') {
      const close = line.indexOf("'", at + 1);
      if (close < 0 || close >= end) return at + 1;
      const failed = parsePairs(line, at + 1, close, type, record);
      if (failed) return failed;
      at = close + 1;
    } else {
      let stop = at;
      while (stop < end) {
        const s = line.charCodeAt(stop);
        if (s === 32 || s === 0x1d) break;
        stop += 1;
      }
      const raw = line.slice(at, stop);
      record[key] = isEncoded(type, key) && HEX.test(raw) ? decodeHex(raw) : raw;
      at = stop;
    }
  }
  return 0;
}

/**
 * Parses one raw audit line.
 *
 * @example
 * parseAuditdLine('type=PROCTITLE msg=audit(1604996384.965:93777): proctitle=6C73002D6C')
 * // { ok: true, record: { type: 'PROCTITLE', timestamp: '1604996384.965', serial: '93777', proctitle: 'ls -l' } }
 */
export function parseAuditdLine(line: string): LineResult {
  const bad = checkLine(line);
  if (bad) return bad;
  // ausearch/auditd with a node name prefix: "node=host type=..."
  let start = 0;
  if (line.startsWith('node=')) {
    const sp = line.indexOf(' ');
    if (sp < 0) return lineFailure(1, 'expected type=... after node=');
    start = sp + 1;
  }
  const head = HEADER.exec(start === 0 ? line : line.slice(start));
  if (!head) return lineFailure(start + 1, 'expected "type=NAME msg=audit(TIME:SERIAL):"');
  const type = head[1]!;
  const record: Record<string, unknown> = { type, timestamp: head[2], serial: head[3] };
  if (start > 0) record.node = line.slice(5, start - 1);
  const failed = parsePairs(line, start + head[0].length, line.length, type, record);
  if (failed) return lineFailure(failed, 'expected key=value (unterminated quote or missing =)');
  return lineRecord(record);
}
