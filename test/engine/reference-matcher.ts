// A plain reference matcher for the detection IR, written straight from
// shared/docs/sigma-semantics.md (§2.2-2.4, §3, §4, §5). Slow on purpose: no caching, no
// dictionaries, one regex built per call. The engine must agree with it on every (rule,
// event) pair; the tests also check it against the guide's own cases.
import RE2 from 're2';
import type {
  CidrValue,
  CompareValue,
  FieldRefValue,
  Node,
  NumberValue,
  RegexValue,
  StringPattern,
  TimePartValue,
  Value,
} from '@siemlite/core';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * §2.2: the exact key first; otherwise, for a dotted name, walk nested objects, trying every
 * way of grouping the segments (so keys that themselves contain dots are found). Only own
 * properties count. `undefined` = absent, `null` = JSON null.
 */
export function referenceLookup(event: Json, field: string): unknown {
  if (Object.hasOwn(event, field)) return event[field];
  const segments = field.split('.');
  for (let i = segments.length - 1; i >= 1; i--) {
    const head = segments.slice(0, i).join('.');
    if (!Object.hasOwn(event, head)) continue;
    const inner = event[head];
    if (!isObject(inner)) continue;
    const found = referenceLookup(inner, segments.slice(i).join('.'));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** §2.4: the text of a scalar for string tests; null for values that have no text (objects, null). */
function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null; // 4688.0 is the number 4688 -> "4688"
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return null;
}

const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/g;
const escapeRegex = (text: string): string => text.replace(REGEX_SYNTAX, (c) => `\\${c}`);

/** §3.1: anchored, dot-all, code-point regex; case-insensitive (Unicode simple case folding) unless cased. */
function patternRegex(pattern: StringPattern): RegExp {
  let source = '';
  for (const part of pattern.parts) {
    if (part.kind === 'AnyChars') source += '.*';
    else if (part.kind === 'OneChar') source += '.';
    else source += escapeRegex(part.text);
  }
  return new RegExp(`^${source}$`, pattern.isCased ? 'su' : 'isu');
}

function canonicalNumberText(value: NumberValue): string {
  if (Number.isInteger(value.value) && !Number.isSafeInteger(value.value) && /^-?[0-9]+$/.test(value.text)) return value.text;
  return String(value.value);
}

/** §2.4 / §4.9: a number, or a string that is entirely a decimal number after trimming. */
function numericValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (!/^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(t)) return null;
  return Number(t);
}

function compare(op: CompareValue['op'] | 'eq', left: number, right: number): boolean {
  switch (op) {
    case 'gt':
      return left > right;
    case 'gte':
      return left >= right;
    case 'lt':
      return left < right;
    case 'lte':
      return left <= right;
    case 'eq':
      return left === right;
  }
}

// ---- IP addresses (§4.6) ----------------------------------------------------------------

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const b = Number(p);
    if (b > 255) return null;
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string): string[] | null => {
    if (s === '') return [];
    const groups = s.split(':');
    const out: string[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === null) return null;
        out.push(((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(g);
      else return null;
    }
    return out;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  let groups: string[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<string>(missing).fill('0'), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  return n;
}

function cidrContains(cidr: CidrValue, v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const bits = cidr.version === 4 ? 32n : 128n;
  const address = cidr.version === 4 ? parseIpv4(v) : v.includes(':') ? parseIpv6(v) : null;
  const network = cidr.version === 4 ? parseIpv4(cidr.network) : parseIpv6(cidr.network);
  if (address === null || network === null) return false;
  const hostBits = bits - BigInt(cidr.prefixLength);
  return address >> hostBits === network >> hostBits;
}

// ---- timestamps (§4.10) -----------------------------------------------------------------

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** ISO-8601 week number of a calendar date. */
export function isoWeek(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday = 0
  date.setUTCDate(date.getUTCDate() - weekday + 3); // Thursday of this week decides the year
  const firstThursday = new Date(Date.UTC(date.getUTCFullYear(), 0, 4));
  const firstWeekday = (firstThursday.getUTCDay() + 6) % 7;
  firstThursday.setUTCDate(firstThursday.getUTCDate() - firstWeekday + 3);
  return 1 + Math.round((date.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
}

function timePart(value: TimePartValue, v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = TIMESTAMP.exec(v.trim());
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  let part: number;
  switch (value.part) {
    case 'year':
      part = year;
      break;
    case 'month':
      part = month;
      break;
    case 'day':
      part = day;
      break;
    case 'week':
      part = isoWeek(year, month, day);
      break;
    case 'hour':
    case 'minute': {
      if (m[4] === undefined) return false;
      const hour = Number(m[4]);
      const minute = Number(m[5]);
      if (hour > 23 || minute > 59) return false;
      part = value.part === 'hour' ? hour : minute;
      break;
    }
  }
  return compare(value.op, part, value.value);
}

// ---- value tests ------------------------------------------------------------------------

function fieldRef(ref: FieldRefValue, v: unknown, event: Json): boolean {
  const other = referenceLookup(event, ref.field);
  const left = scalarText(v);
  const right = scalarText(other);
  if (left === null || right === null) return false;
  const lit = escapeRegex(right);
  const source =
    ref.position === 'exact' ? `^${lit}$` : ref.position === 'startswith' ? `^${lit}` : ref.position === 'endswith' ? `${lit}$` : lit;
  return new RegExp(source, ref.isCased ? 'su' : 'isu').test(left);
}

/** One scalar (or object) value against one rule value. `v` is never undefined or an array here. */
function scalarMatches(value: Value, v: unknown, event: Json): boolean {
  if (v === null) return value.kind === 'Null';
  switch (value.kind) {
    case 'Null':
      return false;
    case 'StringPattern': {
      const text = scalarText(v);
      return text !== null && patternRegex(value).test(text);
    }
    case 'Number':
      if (typeof v === 'number') return v === value.value;
      return typeof v === 'string' && v === canonicalNumberText(value);
    case 'Boolean':
      if (typeof v === 'boolean') return v === value.value;
      return typeof v === 'string' && v.toLowerCase() === (value.value ? 'true' : 'false');
    case 'Regex':
      return regexSearch(value, v);
    case 'Cidr':
      return cidrContains(value, v);
    case 'Compare': {
      const n = numericValue(v);
      return n !== null && compare(value.op, n, value.value);
    }
    case 'FieldRef':
      return fieldRef(value, v, event);
    case 'TimePart':
      return timePart(value, v);
  }
}

function regexSearch(value: RegexValue, v: unknown): boolean {
  const text = scalarText(v);
  return text !== null && new RE2(value.source, value.flags).test(text);
}

/** §2.2: absent fails everything but null; a list matches when any element does. */
function valueMatches(value: Value, v: unknown, event: Json): boolean {
  if (v === undefined) return value.kind === 'Null';
  if (Array.isArray(v)) return v.some((element) => element !== undefined && valueMatches(value, element, event));
  return scalarMatches(value, v, event);
}

/** §5: every scalar value of the event, recursively through objects and lists (never keys). */
function scalarValues(v: unknown, out: unknown[]): unknown[] {
  if (Array.isArray(v)) for (const e of v) scalarValues(e, out);
  else if (isObject(v)) for (const key of Object.keys(v)) scalarValues(v[key], out);
  else if (v !== null && v !== undefined) out.push(v);
  return out;
}

function keywordMatches(value: StringPattern | RegexValue, event: Json): boolean {
  return scalarValues(event, []).some((v) => {
    if (value.kind === 'Regex') return regexSearch(value, v);
    const text = scalarText(v);
    return text !== null && patternRegex(value).test(text);
  });
}

/** Does the IR condition `node` hold for `event` (a flat or nested JSON object, not an evtx record)? */
export function referenceMatches(node: Node, event: Json): boolean {
  switch (node.kind) {
    case 'And':
      return node.children.every((c) => referenceMatches(c, event));
    case 'Or':
      return node.children.some((c) => referenceMatches(c, event));
    case 'Not':
      return !referenceMatches(node.child, event);
    case 'Constant':
      return node.value;
    case 'Exists':
      return referenceLookup(event, node.field) !== undefined;
    case 'Keyword':
      return keywordMatches(node.value, event);
    case 'Match':
      return valueMatches(node.value, referenceLookup(event, node.field), event);
  }
}
