/**
 * Decides how a file's (decompressed) bytes split into records, from its content alone:
 * extensions lie (`.json` holds JSON Lines as often as not, and stdin has none).
 */

/** `jsonl`: one record per line. `values`: JSON values one after another, top-level arrays unwrapped. */
export type RecordFormat = 'jsonl' | 'values';

/** Outcome of {@link detectFormat}. `start` is where records begin (after a UTF-8 BOM). */
export type Detection =
  | { readonly kind: 'records'; readonly format: RecordFormat; readonly isIndented: boolean; readonly start: number }
  | { readonly kind: 'empty' }
  | { readonly kind: 'not-json'; readonly reason: string };

/** Detection never buffers more than this; past it the first byte decides. */
export const DETECT_MAX_BYTES = 1 << 20;

/** Lines looked at when deciding between JSON Lines and pretty-printed objects. */
const VOTE_LINES = 200;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

function isWhitespace(c: number | undefined): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/**
 * Looks at the first bytes of a file. Returns null while it needs more data; with
 * `isFinal` (end of input or {@link DETECT_MAX_BYTES} reached) it always decides.
 *
 * Rules, in order: UTF-16 (BOM or NUL-interleaved text) is not JSON; binary data first
 * (a control byte, or a NUL with no `{`/`[` first) is not JSON only when no later line
 * in the sample holds a complete JSON object with a member, or an array starting with one (else the format is decided from that line on and
 * the garbage before it becomes bad records); a first byte other than `{`/`[` means JSON Lines
 * (its lines are then reported one by one); a first value that ends on its own line is
 * JSON Lines (an array then must be alone in the file to count as an array file); a
 * first value that spans lines is pretty-printed unless most of the following lines
 * look like `{...}` (a broken first line of a JSON Lines file); `[` spanning lines, or
 * several values on the first line, mean a value stream.
 *
 * @example
 * detectFormat(Buffer.from('{"a":1}\n{"a":2}\n'), true); // { kind: 'records', format: 'jsonl', ... }
 */
export function detectFormat(sample: Buffer, isFinal: true): Detection;
export function detectFormat(sample: Buffer, isFinal: boolean): Detection | null;
export function detectFormat(sample: Buffer, isFinal: boolean): Detection | null {
  const n = sample.length;
  if (n < 3 && !isFinal) return null;
  const b0 = sample[0];
  const b1 = sample[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return notJson('it is UTF-16 encoded (UTF-16 byte order mark); convert it to UTF-8');
  }
  const start = b0 === 0xef && b1 === 0xbb && sample[2] === 0xbf ? 3 : 0;
  let first = start;
  while (first < n && isWhitespace(sample[first])) first++;
  if (first === n) return isFinal ? { kind: 'empty' } : null;

  const nul = sample.indexOf(0);
  // PowerShell's `>` writes UTF-16LE: `{\0"\0...`. Say so rather than "binary".
  if (nul !== -1 && (sample[first] === 0) !== (sample[first + 1] === 0)) {
    return notJson('it looks UTF-16 encoded (NUL bytes between characters); convert it to UTF-8');
  }
  const c = sample[first] ?? 0;
  if (c < SPACE || c === 0x7f || (nul !== -1 && !startsWithEvent(sample, first, c))) {
    // Garbage first (binary, a NUL block left by a crash): the file is JSON if a later line
    // starts a JSON object or array; the garbage before it is then bad records, by line.
    const next = firstJsonLine(sample, first);
    if (next === -1) {
      if (!isFinal && n < DETECT_MAX_BYTES) return null;
      const what = nul !== -1 ? `binary data (a NUL byte at offset ${nul})` : `the control byte 0x${c.toString(16).padStart(2, '0')} first`;
      return notJson(`no line starts a JSON object or array in its first ${n} bytes, which hold ${what}`);
    }
    const inner = detectFormat(sample.subarray(next), isFinal);
    if (inner === null || inner.kind !== 'records') return inner;
    return records(inner.format, inner.isIndented, start);
  }
  if (c !== LBRACE && c !== LBRACKET) return records('jsonl', false, start);

  const firstNewline = sample.indexOf(LF, first);
  const end = endOfValue(sample, first);
  const isIndented = indentedAfter(sample, firstNewline);

  if (end === -1 || (firstNewline !== -1 && firstNewline < end)) {
    // The first value is incomplete in the sample or spans lines.
    if (firstNewline === -1) {
      // One long line so far: only its first byte can tell.
      if (!isFinal && n < DETECT_MAX_BYTES) return null;
      return records(c === LBRACE ? 'jsonl' : 'values', false, start);
    }
    if (c === LBRACKET) return records('values', isIndented, start);
    const { lines, votes } = countObjectLines(sample, firstNewline);
    if (lines < 2 && !isFinal && n < DETECT_MAX_BYTES) return null;
    return records(votes * 2 > lines ? 'jsonl' : 'values', isIndented, start);
  }

  // The first value ends on the first line. What follows it there?
  let j = end;
  while (j < n && (sample[j] === SPACE || sample[j] === TAB || sample[j] === CR)) j++;
  if (j === n) {
    if (!isFinal && n < DETECT_MAX_BYTES) return null;
    return records(c === LBRACE ? 'jsonl' : 'values', false, start);
  }
  if (sample[j] !== LF) return records('values', false, start); // `{...}{...}` or `{...},{...}`
  if (c === LBRACE) return records('jsonl', false, start);
  // A one-line array: an array file if nothing else follows, else a JSON Lines file
  // whose first line happens to be an array (reported as not-object).
  let k = j;
  while (k < n && isWhitespace(sample[k])) k++;
  if (k < n) return records('jsonl', false, start);
  if (!isFinal && n < DETECT_MAX_BYTES) return null;
  return records('values', false, start);
}

function records(format: RecordFormat, isIndented: boolean, start: number): Detection {
  return { kind: 'records', format, isIndented, start };
}

/** Candidate lines looked at by {@link firstJsonLine}; random binary data has many. */
const MAX_JSON_LINE_CANDIDATES = 1000;

/**
 * Offset of the first line after `from` that starts (after blanks) a complete JSON object
 * or array within the sample, or -1. A `{` or `[` at a line start alone is no evidence:
 * random binary data has one every few hundred lines; a value that parses is.
 */
function firstJsonLine(sample: Buffer, from: number): number {
  let candidates = 0;
  for (let nl = sample.indexOf(LF, from); nl !== -1 && candidates < MAX_JSON_LINE_CANDIDATES; nl = sample.indexOf(LF, nl + 1)) {
    let k = nl + 1;
    while (k < sample.length && isWhitespace(sample[k])) k++;
    if (sample[k] !== LBRACE && sample[k] !== LBRACKET) continue;
    candidates++;
    const end = endOfValue(sample, k);
    if (end !== -1 && holdsAnEvent(sample, k, end)) return k;
  }
  return -1;
}

/**
 * With a NUL in the sample, a `{` or `[` first is JSON only when its value holds an event
 * or does not end in the sample (a long first record): random binary data starts with one
 * of them one time in 128, and its value then soon ends, as garbage.
 */
function startsWithEvent(sample: Buffer, first: number, c: number): boolean {
  if (c !== LBRACE && c !== LBRACKET) return false;
  const end = endOfValue(sample, first);
  return end === -1 || holdsAnEvent(sample, first, end);
}

/**
 * Detection only (once per file, never per record): does `sample[start, end)` parse to an
 * object with a member, or an array starting with one? `{}` and `[]` are no evidence:
 * 1 MiB of random bytes holds one at a line start about one time in eight.
 */
function holdsAnEvent(sample: Buffer, start: number, end: number): boolean {
  let value: unknown;
  try {
    value = JSON.parse(sample.toString('utf8', start, end));
  } catch {
    return false;
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const _ in value) return true;
  return false;
}

function notJson(reason: string): Detection {
  return { kind: 'not-json', reason };
}

/** Offset just past the JSON value starting at `from` (a `{` or `[`), or -1 if it doesn't end in `buf`. */
function endOfValue(buf: Buffer, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Whether the line after the first newline starts with indentation (pretty-printed). */
function indentedAfter(buf: Buffer, newline: number): boolean {
  if (newline === -1) return false;
  const c = buf[newline + 1];
  return c === SPACE || c === TAB;
}

/**
 * Counts non-blank lines after the first, and how many of them look like a one-line
 * object. Pretty-printed objects have almost none; JSON Lines almost only those.
 */
function countObjectLines(buf: Buffer, firstNewline: number): { lines: number; votes: number } {
  let lines = 0;
  let votes = 0;
  let pos = firstNewline + 1;
  while (lines < VOTE_LINES) {
    const nl = buf.indexOf(LF, pos);
    if (nl === -1) break;
    let s = pos;
    let e = nl;
    while (s < e && isWhitespace(buf[s])) s++;
    while (e > s && isWhitespace(buf[e - 1])) e--;
    if (e > s) {
      lines++;
      if (buf[s] === LBRACE && buf[e - 1] === RBRACE) votes++;
    }
    pos = nl + 1;
  }
  return { lines, votes };
}
