import { describe, expect, it } from 'vitest';
import { matchGlobSegment } from '../../src/io/match-glob.js';
import { ParseFailure, firstInvalidUtf8, parseRecordText } from '../../src/io/parse-record.js';

const failure = (text: string, line = 1): string => {
  const result = parseRecordText(text, line);
  if (!(result instanceof ParseFailure)) throw new Error(`expected a failure for ${text}`);
  return result.message;
};

describe('parseRecordText', () => {
  it('returns the parsed value', () => {
    expect(parseRecordText('{"a":[1,{"b":null}]}', 1)).toEqual({ a: [1, { b: null }] });
  });

  it('never echoes the input in its message', () => {
    const message = failure(`{"a":${'x'.repeat(1000)}}`);
    expect(message).toBe("Unexpected token 'x'");
  });

  it('turns positions into a column for one-line records and into a file line for multi-line ones', () => {
    expect(failure('{"a":1 "b":2}')).toBe("Expected ',' or '}' after property value at column 8");
    expect(failure('{\n  "a": 1\n  "b": 2\n}', 10)).toBe("Expected ',' or '}' after property value at line 12 column 3");
  });

  it('refuses nesting deeper than the limit before JSON.parse sees it', () => {
    expect(failure('['.repeat(1001) + ']'.repeat(1001))).toMatch(/nested too deeply/);
    expect(parseRecordText('['.repeat(1000) + ']'.repeat(1000), 1)).toBeInstanceOf(Array);
  });

  it('does not count brackets inside strings as nesting', () => {
    const text = JSON.stringify({ s: '{'.repeat(5000), t: '['.repeat(5000) });
    expect(parseRecordText(text, 1)).toEqual(JSON.parse(text));
  });
});

describe('firstInvalidUtf8', () => {
  it('points at the first bad byte: stray continuation, overlong, surrogate, truncated', () => {
    const at = (bytes: number[]): number => firstInvalidUtf8(Uint8Array.from(bytes), 0, bytes.length);
    expect(at([0x41, 0x80])).toBe(1);
    expect(at([0x41, 0xc0, 0x80])).toBe(1);
    expect(at([0xed, 0xa0, 0x80])).toBe(0);
    expect(at([0x41, 0x42, 0xe2, 0x82])).toBe(2);
    expect(at([0xf0, 0x9f, 0x98, 0x80, 0x41])).toBe(-1);
  });
});

describe('matchGlobSegment', () => {
  it('matches * and ? within a name', () => {
    expect(matchGlobSegment('*.json', 'a.json')).toBe(true);
    expect(matchGlobSegment('*.json', 'a.jsonl')).toBe(false);
    expect(matchGlobSegment('*.json*', 'a.jsonl.gz')).toBe(true);
    expect(matchGlobSegment('?.log', 'ab.log')).toBe(false);
    expect(matchGlobSegment('a*b*c', 'axxbyyc')).toBe(true);
    expect(matchGlobSegment('a*b*c', 'axxbyy')).toBe(false);
    expect(matchGlobSegment('*', '')).toBe(true);
  });
});
