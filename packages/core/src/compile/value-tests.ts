// Compiles each IR value (other than null, field references and exists, which need the
// row) into a test over an event value's text. Built once per distinct value by the plan.
import RE2 from 're2';
import type { CidrValue, CompareValue, RegexValue, TimePartValue, Value } from '../ir/values.js';
import { compileStringPattern, type StringTest } from './string-kernels.js';
import { parseIp, type IpAddress } from './ip.js';
import { timePart } from './time-part.js';

// Decimal only (§2.4): " 12 " is a number, "0x10", "12abc" and "1e3" are not.
const NUMERIC = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;

/** The number in a value's text, or NaN: numbers and numeric strings compare (§2.4, §4.9). */
export function numericValue(text: string): number {
  return NUMERIC.test(text) ? Number(text) : NaN;
}

export function compileValueTest(value: Value): StringTest {
  switch (value.kind) {
    case 'StringPattern':
      return compileStringPattern(value);
    case 'Number': {
      // The event's text (numbers are stringified without `.0`) equals the number's
      // canonical decimal text: `4688` matches 4688 and "4688", not "04688" (§2.4).
      const text = String(value.value);
      return (raw) => raw === text;
    }
    case 'Boolean': {
      const text = value.value ? 'true' : 'false';
      return (_raw, lower) => lower === text;
    }
    case 'Regex':
      return compileRegex(value);
    case 'Cidr':
      return compileCidr(value);
    case 'Compare':
      return compileCompare(value);
    case 'TimePart':
      return compileTimePart(value);
    case 'Null':
    case 'FieldRef':
      throw new Error(`internal: ${value.kind} is evaluated per row, not per value`);
  }
}

/** `.{N,}` (SigmaHQ's "unusually long command line"): a run of N characters without a newline. */
const LONG_RUN = /^\.\{(\d{1,4}),\}$/;

function compileRegex(value: RegexValue): StringTest {
  const run = LONG_RUN.exec(value.source);
  // RE2 expands a counted repetition into N states, which makes `.{1000,}` cost ~1 ms per
  // value; the same question is one pass over the text.
  if (run !== null) return longRun(Number(run[1]), value.flags.includes('s'));
  // RE2: linear time, so no rule can hang the engine (DESIGN.md "Compiling rules").
  const re = new RE2(value.source, value.flags);
  return (raw) => re.test(raw);
}

/**
 * True when `raw` has `n` consecutive code points other than `\n` (any, with dot-all), as
 * RE2 reads `.{n,}`: a surrogate pair is one code point, a lone surrogate one too.
 */
export function longRun(n: number, dotAll: boolean): StringTest {
  return (raw) => {
    if (n === 0) return true;
    if (raw.length < n) return false;
    let run = 0;
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c === 10 && !dotAll) {
        run = 0;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < raw.length) {
        const d = raw.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      if (++run >= n) return true;
    }
    return false;
  };
}

function compileCidr(value: CidrValue): StringTest {
  const network = parseIp(value.network);
  if (network === null || network.version !== value.version) throw new Error(`internal: bad CIDR network ${value.network}`);
  const bits = value.version === 4 ? 32 : 128;
  const shift = BigInt(bits - value.prefixLength);
  const prefix = network.value >> shift;
  return (raw) => {
    const ip: IpAddress | null = parseIp(raw.trim());
    return ip !== null && ip.version === value.version && ip.value >> shift === prefix;
  };
}

function compileCompare(value: CompareValue): StringTest {
  const bound = value.value;
  switch (value.op) {
    case 'gt':
      return (raw) => numericValue(raw) > bound;
    case 'gte':
      return (raw) => numericValue(raw) >= bound;
    case 'lt':
      return (raw) => numericValue(raw) < bound;
    case 'lte':
      return (raw) => numericValue(raw) <= bound;
  }
}

function compileTimePart(value: TimePartValue): StringTest {
  const { part, op, value: bound } = value;
  return (raw) => {
    const v = timePart(raw, part);
    if (Number.isNaN(v)) return false;
    switch (op) {
      case 'eq':
        return v === bound;
      case 'gt':
        return v > bound;
      case 'gte':
        return v >= bound;
      case 'lt':
        return v < bound;
      case 'lte':
        return v <= bound;
    }
  };
}
