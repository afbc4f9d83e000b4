// The text log formats behind the decoder seam: one record per line, each line parsed by
// the format's parser. Stateless per line, so a line parses the same in a worker (raw mode)
// as in the splitter (parsed mode). Told per file from content (detectTextFormat) or forced
// (`--input-format`, ReadOptions.inputFormat).
import { parseAccessLogLine } from './access-log.js';
import { parseAuditdLine } from './auditd.js';
import { parseCefLine } from './cef.js';
import { HeaderLineFailure, HeaderReader, headerLineParser, type HeaderFormat, type TextHeader } from './header-formats.js';
import type { LineResult } from './line-result.js';
import { parseSyslogLine } from './syslog.js';

import type { Detection } from '../detect-format.js';
import type { InputFormat } from '../record-types.js';

/** The text formats a file may be read as. */
export type TextFormat = Exclude<InputFormat, 'auto' | 'json'>;

/** Formats whose lines are read under a header seen earlier in the file (header-formats.ts). */
const HEADER_FORMATS: ReadonlySet<TextFormat> = new Set<TextFormat>(['zeek-tsv', 'w3c', 'csv']);

const PARSERS: Readonly<Record<Exclude<TextFormat, HeaderFormat>, (line: string) => LineResult>> = {
  auditd: parseAuditdLine,
  'access-log': parseAccessLogLine,
  syslog: parseSyslogLine,
  cef: parseCefLine,
};

/** In the order detection tries them: the strictest shapes first (CEF before syslog: CEF lines often carry a syslog header). */
export const TEXT_FORMATS: readonly TextFormat[] = Object.freeze(['zeek-tsv', 'w3c', 'auditd', 'cef', 'access-log', 'syslog', 'csv']);
/** Every value `--input-format` takes: auto (told from the content), json, and each text format. */
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

/** True for formats read under a header (Zeek TSV, W3C extended, CSV): see {@link HeaderReader}. */
export function isHeaderFormat(format: TextFormat): format is HeaderFormat {
  return HEADER_FORMATS.has(format);
}

/** A line parser: the record, or a LineFailure with the column. */
export type LineParser = (line: string) => Record<string, unknown> | LineFailure;

/**
 * The line parser of `format` (under `header` for header formats; null before any), built
 * once per file, header or chunk.
 *
 * @example
 * lineParser('syslog', null)('<13>Feb  5 17:32:18 h sshd[1]: hi'); // { facility: 1, severity: 5, ..., program: 'sshd', message: 'hi' }
 */
export function lineParser(format: TextFormat, header: TextHeader | null): LineParser {
  if (isHeaderFormat(format)) {
    const parse = headerLineParser(format, header);
    return (line) => {
      const result = parse(withoutCr(line));
      return result instanceof HeaderLineFailure ? new LineFailure(format, result.column, result.reason) : result;
    };
  }
  const parse = PARSERS[format];
  return (line) => {
    const result = parse(withoutCr(line));
    return result.ok ? result.record : new LineFailure(format, result.column, result.reason);
  };
}

/** A CR of a CRLF file ends the line, it is not part of the last field. */
function withoutCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/**
 * Parses one line of a file of a format without header into a record, or a LineFailure
 * with the column.
 *
 * @example
 * parseTextLine('syslog', '<13>Feb  5 17:32:18 h sshd[1]: hi'); // { ..., program: 'sshd', message: 'hi' }
 */
export function parseTextLine(format: Exclude<TextFormat, HeaderFormat>, line: string): Record<string, unknown> | LineFailure {
  return lineParser(format, null)(line);
}

/**
 * The text format of a file from its first lines (a sample of its decompressed bytes):
 * Zeek TSV by its `#separator` line, W3C extended by its `#Software:`/`#Version:`/`#Date:`/
 * `#Fields:` directive; else the first format that parses at least 80% of up to 50
 * non-empty lines (CSV: a header of two or more distinct names, then records of as many
 * fields), else null. The last line of a sample that is not the whole file may be cut, so
 * it is not looked at.
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
  const first = looked[0] as string;
  if (first.startsWith('#separator ')) return 'zeek-tsv';
  if (/^#(?:Software|Version|Date|Fields):/.test(first)) return 'w3c';
  for (const format of TEXT_FORMATS) {
    if (format === 'zeek-tsv' || format === 'w3c') continue;
    let ok = 0;
    let records = looked.length;
    if (format === 'csv') {
      // A header of at least two distinct, non-empty names, and records of as many fields.
      const reader = new HeaderReader('csv');
      reader.take(withoutCr(first));
      const names = reader.header?.fields ?? [];
      if (names.length < 2 || new Set(names).size !== names.length || names.some((n) => n.trim() === '') || looked.length < 2) continue;
      const parse = lineParser('csv', reader.header);
      records = looked.length - 1;
      for (const l of looked.slice(1)) if (!(parse(l) instanceof LineFailure)) ok++;
    } else {
      const parse = lineParser(format, null);
      for (const l of looked) if (!(parse(l) instanceof LineFailure)) ok++;
    }
    if (ok >= Math.ceil(records * DETECT_SHARE)) return format;
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
