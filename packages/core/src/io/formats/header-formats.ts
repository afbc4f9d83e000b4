import { MAX_LINE_CHARS } from './line-result.js';

// Text formats whose lines only make sense with a header seen earlier in the file:
// - Zeek TSV logs (Zeek's LogAscii writer): `#separator \x09`, `#set_separator`, `#empty_field`,
//   `#unset_field`, `#path`, `#fields`, `#types` directives, then one tab-separated line per
//   record. Values are typed as Zeek's JSON writer types them (count, int, port, double,
//   time, interval: numbers; bool: true/false; set and vector: lists); the unset field is
//   left out, the empty field is ''; `\xHH` escapes are decoded; `#path` becomes `_path`, so
//   source recognition gives the Zeek service (conn, dns, http, ...).
// - W3C extended log format (https://www.w3.org/TR/WD-logfile, IIS): `#Fields:` names the
//   space-separated columns; `-` is no value (left out). IIS's `cs(User-Agent)`, `cs(Referer)`,
//   `cs(Cookie)` and `cs(Host)` become the names SigmaHQ's rules use (`cs-user-agent`,
//   `cs-referer`, `cs-cookie`, `cs-host`); status, byte counts, port and time-taken are numbers.
// - CSV with a header line (RFC 4180): the first non-blank line names the columns; quoted
//   fields with `""` escapes; every value a string. A record spanning lines (a quoted field
//   holding a line break) is not supported: its lines are bad records.
// The header travels with each raw chunk (JSON-safe `TextHeader`), so a worker parses a
// chunk's lines as the main thread would.

/** Text formats whose header lines name the fields of the lines after them. */
export type HeaderFormat = 'zeek-tsv' | 'w3c' | 'csv';

/** What a file's header lines said so far (JSON-safe: it travels to workers with each chunk). */
export interface TextHeader {
  readonly fields: readonly string[];
  /** Zeek: per field, its type (`count`, `set[string]`, ...); empty when `#types` was not given. */
  readonly types?: readonly string[];
  readonly separator?: string;
  readonly setSeparator?: string;
  readonly emptyField?: string;
  readonly unsetField?: string;
  /** Zeek `#path`. */
  readonly path?: string;
}

/** Why a line is not a record: 1-based column and reason. A class, told from a record by `instanceof`. */
export class HeaderLineFailure {
  readonly column: number;
  readonly reason: string;
  constructor(column: number, reason: string) {
    this.column = column;
    this.reason = reason;
  }
}

/** One line of a header format: a record, or why it is not one. */
export type HeaderLineResult = Record<string, unknown> | HeaderLineFailure;

const ZEEK_NUMBER_TYPES = new Set(['count', 'int', 'port', 'double', 'time', 'interval']);
const W3C_NAMES: Readonly<Record<string, string>> = {
  'cs(User-Agent)': 'cs-user-agent',
  'cs(Referer)': 'cs-referer',
  'cs(Cookie)': 'cs-cookie',
  'cs(Host)': 'cs-host',
};
const W3C_NUMBERS = new Set(['sc-status', 'sc-substatus', 'sc-win32-status', 'sc-bytes', 'cs-bytes', 'time-taken', 's-port']);
const DIGITS = /^\d+$/;
const HEX_ESCAPE = /\\x([0-9a-fA-F]{2})/g;

function decodeZeek(value: string): string {
  return value.includes('\\x') ? value.replace(HEX_ESCAPE, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : value;
}

/**
 * Reads one file's header lines. `take` is given each non-blank line before it becomes a
 * record; it returns true for a header line (consumed: not a record) and updates `header`.
 */
export class HeaderReader {
  readonly format: HeaderFormat;
  header: TextHeader | null = null;
  #zeek: { separator: string; setSeparator: string; emptyField: string; unsetField: string; path?: string; fields: string[]; types: string[] } = {
    separator: '\t',
    setSeparator: ',',
    emptyField: '(empty)',
    unsetField: '-',
    fields: [],
    types: [],
  };

  constructor(format: HeaderFormat) {
    this.format = format;
  }

  /** True when `line` is a header or directive line (and so not a record). */
  take(line: string): boolean {
    if (this.format === 'csv') {
      if (this.header !== null) return false;
      const cells = splitCsv(line);
      this.header = { fields: typeof cells === 'number' ? [line] : cells };
      return true;
    }
    if (line.charCodeAt(0) !== 35 /* # */) return false;
    if (this.format === 'w3c') {
      if (line.startsWith('#Fields:')) this.header = { fields: line.slice(8).trim().split(/\s+/).map((f) => W3C_NAMES[f] ?? f) };
      return true;
    }
    const z = this.#zeek;
    if (line.startsWith('#separator ')) {
      z.separator = decodeZeek(line.slice(11));
      return true;
    }
    const parts = line.split(z.separator);
    const name = parts[0];
    const value = parts[1] ?? '';
    if (name === '#set_separator') z.setSeparator = value;
    else if (name === '#empty_field') z.emptyField = value;
    else if (name === '#unset_field') z.unsetField = value;
    else if (name === '#path') z.path = value;
    else if (name === '#fields') z.fields = parts.slice(1);
    else if (name === '#types') z.types = parts.slice(1);
    else return true; // #open, #close, comments
    if (z.fields.length > 0) {
      this.header = {
        fields: z.fields,
        types: z.types,
        separator: z.separator,
        setSeparator: z.setSeparator,
        emptyField: z.emptyField,
        unsetField: z.unsetField,
        ...(z.path === undefined ? {} : { path: z.path }),
      };
    }
    return true;
  }
}

/** RFC 4180 fields of one line, or the 1-based column where it went wrong. */
function splitCsv(line: string): string[] | number {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    if (line.charCodeAt(at) === 34 /* " */) {
      let value = '';
      let from = at + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote < 0) return at + 1; // unterminated: the record spans lines, or is cut
        value += line.slice(from, quote);
        if (line.charCodeAt(quote + 1) === 34) {
          value += '"';
          from = quote + 2;
          continue;
        }
        at = quote + 1;
        break;
      }
      out.push(value);
      if (at === line.length) return out;
      if (line.charCodeAt(at) !== 44 /* , */) return at + 1;
      at += 1;
    } else {
      const comma = line.indexOf(',', at);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(at, end);
      if (value.includes('"')) return at + value.indexOf('"') + 1;
      out.push(value);
      if (comma < 0) return out;
      at = comma + 1;
    }
  }
}

/**
 * The line parser of a header format under `header` (null: no header seen yet), compiled
 * once per header (per chunk in a worker).
 *
 * @example
 * const parse = headerLineParser('csv', { fields: ['user', 'action'] });
 * parse('bob,"login, failed"'); // { user: 'bob', action: 'login, failed' }
 */
export function headerLineParser(format: HeaderFormat, header: TextHeader | null): (line: string) => HeaderLineResult {
  if (header === null) {
    const what = format === 'csv' ? 'header line' : format === 'w3c' ? '#Fields: line' : '#fields line';
    return () => new HeaderLineFailure(1, `no ${what} before this line`);
  }
  const fields = header.fields;
  const count = fields.length;
  const check = (line: string): HeaderLineResult | null =>
    line.length > MAX_LINE_CHARS ? new HeaderLineFailure(1, `line longer than ${MAX_LINE_CHARS} characters`) : null;
  const wrongCount = (found: number, line: string): HeaderLineResult => new HeaderLineFailure(line.length + 1, `expected ${count} fields, found ${found}`);
  if (format === 'csv') {
    return (line) => {
      const bad = check(line);
      if (bad !== null) return bad;
      const cells = splitCsv(line);
      if (typeof cells === 'number') return new HeaderLineFailure(cells, 'malformed quoted field (RFC 4180; a field spanning lines is not supported)');
      if (cells.length !== count) return wrongCount(cells.length, line);
      const record: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) record[fields[i] as string] = cells[i];
      return record;
    };
  }
  if (format === 'w3c') {
    const numeric = fields.map((f) => W3C_NUMBERS.has(f));
    return (line) => {
      const bad = check(line);
      if (bad !== null) return bad;
      const cells = line.trim().split(' ');
      if (cells.length !== count) return wrongCount(cells.length, line);
      const record: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const v = cells[i] as string;
        if (v === '-') continue;
        record[fields[i] as string] = numeric[i] === true && DIGITS.test(v) ? Number(v) : v;
      }
      return record;
    };
  }
  const separator = header.separator ?? '\t';
  const setSeparator = header.setSeparator ?? ',';
  const empty = header.emptyField ?? '(empty)';
  const unset = header.unsetField ?? '-';
  const kinds = fields.map((_, i) => {
    const type = header.types?.[i] ?? 'string';
    if (type.startsWith('set[') || type.startsWith('vector[')) return ZEEK_NUMBER_TYPES.has(type.slice(type.indexOf('[') + 1, -1)) ? 4 : 3;
    return type === 'bool' ? 2 : ZEEK_NUMBER_TYPES.has(type) ? 1 : 0;
  });
  const path = header.path;
  return (line) => {
    const bad = check(line);
    if (bad !== null) return bad;
    const cells = line.split(separator);
    if (cells.length !== count) return wrongCount(cells.length, line);
    const record: Record<string, unknown> = {};
    if (path !== undefined) record._path = path;
    for (let i = 0; i < count; i++) {
      const v = cells[i] as string;
      if (v === unset) continue;
      const kind = kinds[i];
      if (v === empty) record[fields[i] as string] = kind === 3 || kind === 4 ? [] : '';
      else if (kind === 1) record[fields[i] as string] = Number(v);
      else if (kind === 2) record[fields[i] as string] = v === 'T';
      else if (kind === 3) record[fields[i] as string] = v.split(setSeparator).map(decodeZeek);
      else if (kind === 4) record[fields[i] as string] = v.split(setSeparator).map(Number);
      else record[fields[i] as string] = decodeZeek(v);
    }
    return record;
  };
}
