import { Keyword, Match, RegexValue } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { validateRegex } from '../../src/modifiers/regex.js';
import { at, codesAt, lower, lowerOk } from './lower-helpers.js';

describe('re', () => {
  it('lowers the value to an unanchored regex with no flags (edge case 18)', () => {
    expect(lowerOk("x|re: 'b+c'")).toEqual(Match.create('x', RegexValue.create('b+c', ''), at(1, 7)));
  });

  it('takes the value verbatim: no Sigma escapes, no wildcards, no warnings (§3.3)', () => {
    const result = lower(String.raw`x|re: '\\Windows\\System32\\[a-zA-Z0-9]{8}\.tmp$'`);
    expect(result.warnings).toEqual([]);
    expect(result.node).toMatchObject({ value: { source: String.raw`\\Windows\\System32\\[a-zA-Z0-9]{8}\.tmp$` } });
    expect(lowerOk(String.raw`x|re: 'a\*b*'`)).toMatchObject({ value: { source: String.raw`a\*b*` } });
  });

  it('strips a leading inline flag group into flags (§4.3)', () => {
    expect(lowerOk("x|re: '(?i)abc'")).toMatchObject({ value: RegexValue.create('abc', 'i') });
    expect(lowerOk("x|re: '(?is)a.c'")).toMatchObject({ value: RegexValue.create('a.c', 'is') });
    expect(lowerOk("x|re: '(?i)(?m)^a'")).toMatchObject({ value: RegexValue.create('^a', 'im') });
  });

  it('accepts the SigmaHQ pattern [\\"\\\'] that is a syntax error under the JS u flag', () => {
    expect(lowerOk(String.raw`x|re: '(?i)\.exe[\"\'']?\s+'`)).toMatchObject({ value: { flags: 'i' } });
  });

  it('uses the text of an unquoted number as the pattern', () => {
    expect(lowerOk('x|re: 123')).toMatchObject({ value: RegexValue.create('123', '') });
  });

  it('is an error on a boolean or null', () => {
    expect(codesAt(lower('x|re: true').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 7 }]);
    expect(codesAt(lower('x|re: null').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 7 }]);
  });

  it('must be the first modifier (edge case 19)', () => {
    const result = lower("x|contains|re: 'a'");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });

  it('accepts contains, startswith and endswith after it as no-ops (unanchored search)', () => {
    for (const mod of ['contains', 'startswith', 'endswith']) {
      expect(lowerOk(`x|re|${mod}: 'a|b'`)).toMatchObject({ value: RegexValue.create('a|b', '') });
    }
  });

  it('accepts catastrophic-backtracking patterns: RE2 runs them in linear time', () => {
    expect(lowerOk("x|re: '(a+)+$'")).toMatchObject({ value: RegexValue.create('(a+)+$', '') });
    expect(lowerOk("x|re: '(.*a){20}'")).toMatchObject({ value: { kind: 'Regex' } });
  });

  it('rejects invalid syntax with invalid-regex at the value (edge case 48)', () => {
    const result = lower("x|re: '['");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'invalid-regex', line: 1, column: 7 }]);
  });

  it('rejects lookaround as unsupported by RE2', () => {
    for (const source of ['a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b']) {
      const result = lower(`x|re: '${source}'`);
      expect(codesAt(result.errors)).toEqual([{ code: 'unsupported', line: 1, column: 7 }]);
      expect(result.errors[0]?.message).toMatch(/RE2 does not support/);
      expect(result.errors[0]?.message).toMatch(/lookaround/);
    }
  });

  it('rejects backreferences as unsupported by RE2', () => {
    for (const source of [String.raw`(a)\1`, String.raw`(?<n>a)\k<n>`, '(?P<n>a)(?P=n)']) {
      const result = lower(`x|re: '${source}'`);
      expect(codesAt(result.errors)).toEqual([{ code: 'unsupported', line: 1, column: 7 }]);
      expect(result.errors[0]?.message).toMatch(/backreference/);
    }
  });

  it('rejects repetition beyond RE2 limits as unsafe-regex', () => {
    expect(codesAt(lower("x|re: 'a{1001}'").errors)).toEqual([{ code: 'unsafe-regex', line: 1, column: 7 }]);
    expect(codesAt(lower("x|re: '((a{100}){100}){100}'").errors)).toEqual([{ code: 'unsafe-regex', line: 1, column: 7 }]);
  });

  it('rejects a reversed repetition range as invalid-regex', () => {
    expect(codesAt(lower("x|re: 'a{2,1}'").errors)).toEqual([{ code: 'invalid-regex', line: 1, column: 7 }]);
  });

  it('rejects inline flags other than a leading (?i)/(?m)/(?s) group', () => {
    expect(codesAt(lower("x|re: 'a(?i)b'").errors)).toEqual([{ code: 'unsupported', line: 1, column: 7 }]);
    expect(codesAt(lower("x|re: 'a(?i:b)'").errors)).toEqual([{ code: 'unsupported', line: 1, column: 7 }]);
    expect(codesAt(lower("x|re: '(?x)a b'").errors)).toEqual([{ code: 'unsupported', line: 1, column: 7 }]);
  });

  it('allows non-capturing and named groups', () => {
    expect(lowerOk("x|re: '(?:a|b)(?P<n>c)(?<m>d)'")).toMatchObject({ value: { kind: 'Regex' } });
  });

  it('makes a keyword regex search (§5)', () => {
    expect(lowerOk("'|re': 'a.c'")).toEqual(Keyword.create(RegexValue.create('a.c', ''), at(1, 8)));
  });
});

describe('regex flags i, m, s and their aliases', () => {
  it('set flags after re', () => {
    expect(lowerOk("x|re|i|m|s: 'a'")).toMatchObject({ value: RegexValue.create('a', 'ims') });
    expect(lowerOk("x|re|ignorecase|multiline|dotall: 'a'")).toMatchObject({ value: RegexValue.create('a', 'ims') });
  });

  it('combine with a leading (?i) without duplicating it', () => {
    expect(lowerOk("x|re|i: '(?i)a'")).toMatchObject({ value: RegexValue.create('a', 'i') });
  });

  it('without re are an order error at the key (§4.12 i|re)', () => {
    expect(codesAt(lower('x|i: a').errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
    const flagFirst = lower('x|i|re: a');
    expect(flagFirst.node).toBeNull();
    expect(flagFirst.errors.every((e) => e.code === 'modifier-order')).toBe(true);
    expect(codesAt(lower('x|contains|dotall: a').errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });
});

describe('validateRegex', () => {
  it('returns null for a pattern RE2 compiles', () => {
    expect(validateRegex('^a+b$', 'ims')).toBeNull();
  });

  it('returns a failure naming RE2 message for a bad pattern', () => {
    expect(validateRegex('(', '')).toMatchObject({ kind: 'failure', code: 'invalid-regex' });
  });
});
