/**
 * The one place where bad input is expected to throw: JSON.parse of a single record.
 * Kept in its own small function so the try/catch never sits inside the splitter loops
 * (STYLE.md §5) and V8 can optimise those loops freely.
 */

/**
 * Deepest nesting accepted in a record. V8's JSON.parse itself copes with a million
 * levels, but downstream code does not: on Node 20 `structuredClone` throws RangeError
 * from about 2,000 levels, `JSON.stringify` from about 5,000 and a recursive field walker
 * from about 8,000. No real log event comes close to 1,000.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Why a record could not be parsed. A class, so callers tell it apart with `instanceof`. */
export class ParseFailure {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/**
 * Parses one record's text. Returns the value, or a {@link ParseFailure} whose message is
 * cleaned up for humans (no echoed input, positions as line/column).
 *
 * @example
 * const v = parseRecordText('{"a":1}', 1); // { a: 1 }
 */
export function parseRecordText(text: string, startLine: number): unknown {
  // A valid value nested d levels deep needs at least 2d characters, so short records
  // (nearly all of them) skip the depth check entirely.
  if (text.length > 2 * MAX_NESTING_DEPTH && exceedsDepth(text, MAX_NESTING_DEPTH)) {
    return new ParseFailure(`nested too deeply (more than ${MAX_NESTING_DEPTH} levels)`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return new ParseFailure(describeJsonError(error, text, startLine));
  }
}

/**
 * Why one record was rejected after it was split off: not JSON, or JSON that is not an
 * object. A class, so callers tell it apart from a parsed object with `instanceof`.
 */
export class RecordFailure {
  readonly code: 'bad-json' | 'not-object';
  readonly message: string;
  constructor(code: 'bad-json' | 'not-object', message: string) {
    this.code = code;
    this.message = message;
  }
}

/**
 * Parses one record's text into the object every reader hands out, or a
 * {@link RecordFailure}. Shared by the splitter (readRecords) and the pool's workers
 * (readRawRecords), so both report the same codes and messages.
 *
 * @example
 * parseRecordObject('[1]', 3); // RecordFailure { code: 'not-object', message: 'expected a JSON object, found an array' }
 */
export function parseRecordObject(text: string, startLine: number): Record<string, unknown> | RecordFailure {
  const value = parseRecordText(text, startLine);
  if (value instanceof ParseFailure) return new RecordFailure('bad-json', value.message);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new RecordFailure('not-object', `expected a JSON object, found ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return typeof value;
  }
}

/** True when brackets outside strings nest deeper than `limit`. */
function exceedsDepth(text: string, limit: number): boolean {
  // Cheap necessary condition first: depth can't exceed the number of opening brackets.
  let opens = 0;
  for (let i = text.indexOf('{'); i !== -1 && opens <= limit; i = text.indexOf('{', i + 1)) opens++;
  for (let i = text.indexOf('['); i !== -1 && opens <= limit; i = text.indexOf('[', i + 1)) opens++;
  if (opens <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Turns V8's JSON.parse message into a short one. V8 (Node 20) echoes the input
 * (`Unexpected token '}', "{"a":}" is not valid JSON`), which for a 16 MiB record is
 * noise, and gives offsets from the record start where users want line and column.
 */
export function describeJsonError(error: unknown, text: string, startLine: number): string {
  if (error instanceof RangeError) return 'nested too deeply for JSON.parse';
  let message = error instanceof Error ? error.message : String(error);
  const echoed = /^Unexpected token '(.+?)', "[\s\S]*is not valid JSON$/.exec(message);
  if (echoed !== null) message = `Unexpected token '${echoed[1] ?? ''}'`;
  // Newer V8 (Node 22+) appends its own "(line X column Y)"; we compute ours from the file.
  message = message.replace(/ \(line \d+ column \d+\)$/, '');
  const at = / in JSON at position (\d+)$/.exec(message);
  if (at !== null) {
    const position = Number(at[1]);
    let line = startLine;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const column = position - lineStart + 1;
    const where = line === startLine && lineStart === 0 ? `at column ${column}` : `at line ${line} column ${column}`;
    message = `${message.slice(0, at.index)} ${where}`;
  }
  return message;
}

/**
 * Byte offset of the first invalid UTF-8 sequence in `bytes[start, end)`, or -1.
 * Only called after `isUtf8` said no, to make the error message point somewhere.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i - start;
    if (i + need >= end) return i - start; // truncated sequence
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) return i - start;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid too.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i - start;
    i += need + 1;
  }
  return -1;
}
