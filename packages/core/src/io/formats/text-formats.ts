// The text log formats behind the decoder seam: one record per line, each line parsed by
// the format's parser. Stateless per line, so a line parses the same in a worker (raw mode)
// as in the splitter (parsed mode). Told per file from content (detectTextFormat) or forced
// (`--input-format`, ReadOptions.inputFormat).
import { parseAccessLogLine } from './access-log.js';
import { parseAuditdLine } from './auditd.js';
import { parseCefLine } from './cef.js';
import type { LineResult } from './line-result.js';
import { parseSyslogLine } from './syslog.js';

import type { Detection } from '../detect-format.js';
import type { InputFormat } from '../record-types.js';

/** The text formats a file may be read as. */
export type TextFormat = Exclude<InputFormat, 'auto' | 'json'>;

const PARSERS: Readonly<Record<TextFormat, (line: string) => LineResult>> = {
  auditd: parseAuditdLine,
  'access-log': parseAccessLogLine,
  syslog: parseSyslogLine,
  cef: parseCefLine,
};

/** In the order detection tries them: the strictest shapes first (CEF before syslog: CEF lines often carry a syslog header). */
export const TEXT_FORMATS: readonly TextFormat[] = Object.freeze(['auditd', 'cef', 'access-log', 'syslog']);
export const INPUT_FORMATS: readonly InputFormat[] = Object.freeze(['auto', 'json', ...TEXT_FORMATS]);

/** Lines detection looks at, at most. */
const DETECT_LINES = 50;
/** Share of the looked-at lines that must parse for a format to be chosen. */
const DETECT_SHARE = 0.8;

/**
 * Why a line of a text file was rejected: the parser's reason, with its column. A class so
 * callers tell it from a record with `instanceof`, like RecordFailure.
 */
export class LineFailure {
  readonly code = 'bad-line' as const;
  readonly message: string;
  constructor(format: TextFormat, column: number, reason: string) {
    this.message = `column ${column}: ${reason} (${format} format)`;
  }
}

/**
 * Parses one line of a text file into a record (the parsers give string fields; see each
 * parser for its names), or a LineFailure with the column.
 *
 * @example
 * parseTextLine('syslog', '<13>Feb  5 17:32:18 h sshd[1]: hi'); // { facility: 1, severity: 5, ..., program: 'sshd', message: 'hi' }
 */
export function parseTextLine(format: TextFormat, line: string): Record<string, unknown> | LineFailure {
  // A CR of a CRLF file ends the line, it is not part of the last field.
  const text = line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
  const result = PARSERS[format](text);
  return result.ok ? result.record : new LineFailure(format, result.column, result.reason);
}

/**
 * The text format of a file from its first lines (a sample of its decompressed bytes):
 * the first format that parses at least 80% of up to 50 non-empty lines, else null. The
 * last line of a sample that is not the whole file may be cut, so it is not looked at.
 *
 * @example
 * detectTextFormat(Buffer.from('type=SYSCALL msg=audit(1.2:3): a0=1\n'), true); // 'auditd'
 */
export function detectTextFormat(sample: Buffer, isWhole: boolean): TextFormat | null {
  const text = sample.toString('utf8', 0, Math.min(sample.length, 1 << 20));
  const lines = text.split('\n');
  if (!isWhole && lines.length > 1) lines.pop();
  const looked = lines.filter((l) => l.trim() !== '').slice(0, DETECT_LINES);
  if (looked.length === 0) return null;
  for (const format of TEXT_FORMATS) {
    let ok = 0;
    for (const l of looked) if (!(parseTextLine(format, l) instanceof LineFailure)) ok++;
    if (ok >= Math.ceil(looked.length * DETECT_SHARE)) return format;
  }
  return null;
}

/** `--input-format` checked: one of {@link INPUT_FORMATS}. */
export function isInputFormat(name: string): name is InputFormat {
  return (INPUT_FORMATS as readonly string[]).includes(name);
}

/** ReadOptions.inputFormat checked; default `auto`. */
export function checkInputFormat(format: string | undefined): InputFormat {
  if (format === undefined) return 'auto';
  if (!isInputFormat(format)) throw new RangeError(`inputFormat must be one of ${INPUT_FORMATS.join(', ')}, not '${format}'`);
  return format;
}

/**
 * The text format to read a (non-EVTX) file as: the forced one, or with `auto` the one
 * detectTextFormat finds when the file does not start like JSON (a first character other
 * than `{` or `[`, or not JSON at all). Null: read it as JSON.
 */
export function chooseTextFormat(input: InputFormat, sample: Buffer, isWhole: boolean, detection: Detection): TextFormat | null {
  if (input === 'json') return null;
  if (input !== 'auto') return input;
  if (detection.kind === 'empty') return null;
  const first = sample[startOfText(sample) + leadingSpace(sample)];
  if (detection.kind === 'records' && (first === 0x7b || first === 0x5b)) return null;
  return detectTextFormat(sample.subarray(startOfText(sample)), isWhole);
}

/** Where text starts: after a UTF-8 byte order mark. */
export function startOfText(sample: Buffer): number {
  return sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf ? 3 : 0;
}

function leadingSpace(sample: Buffer): number {
  let i = startOfText(sample);
  const from = i;
  while (i < sample.length && (sample[i] === 0x20 || sample[i] === 0x0a || sample[i] === 0x0d || sample[i] === 0x09)) i++;
  return i - from;
}
