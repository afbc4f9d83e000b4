import { FieldRefValue, Match, PatternPart, RegexValue, StringPattern } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk, sigmaTexts } from './lower-helpers.js';

const lit = PatternPart.literal;
const any = PatternPart.anyChars;

describe('contains', () => {
  it('puts a wildcard at both ends', () => {
    expect(lowerOk('x|contains: abc')).toEqual(Match.create('x', StringPattern.create([any, lit('abc'), any], false), at(1, 13)));
  });

  it('does not double a wildcard the value already has', () => {
    expect(sigmaTexts(lowerOk("x|contains: '*abc*'"))).toEqual(['*abc*']);
    expect(sigmaTexts(lowerOk("x|contains: 'a*c'"))).toEqual(['*a*c*']);
  });

  it('keeps an escaped star at the end literal and still adds the wildcard', () => {
    expect(lowerOk(String.raw`x|contains: 'ab\*'`)).toMatchObject({ value: { parts: [any, lit('ab*'), any] } });
  });

  it('is an error on a number, located at the value (edge case 32)', () => {
    const result = lower('x|contains: 5');
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
    expect(result.errors[0]?.message).toMatch(/quote/);
  });

  it('is an error on a boolean and on null', () => {
    expect(codesAt(lower('x|contains: true').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
    expect(codesAt(lower('x|contains: null').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
  });

  it('changes nothing on a regex: regexes are searched anyway (§4.3)', () => {
    expect(lowerOk("x|re|contains: '^a'")).toMatchObject({ value: RegexValue.create('^a', '') });
  });

  it('makes a field reference a substring test', () => {
    expect(lowerOk('x|fieldref|contains: y')).toMatchObject({ value: FieldRefValue.create('y', 'contains', false) });
  });
});

describe('startswith', () => {
  it('adds a trailing wildcard', () => {
    expect(sigmaTexts(lowerOk('x|startswith: adm_'))).toEqual(['adm_*']);
  });

  it('does not add a second trailing wildcard', () => {
    expect(sigmaTexts(lowerOk("x|startswith: 'adm*'"))).toEqual(['adm*']);
  });

  it('is an error on a number', () => {
    expect(codesAt(lower('x|startswith: 12').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 15 }]);
  });

  it('combined with endswith gives wildcards at both ends', () => {
    expect(sigmaTexts(lowerOk('x|startswith|endswith: a'))).toEqual(['*a*']);
  });
});

describe('endswith', () => {
  it('adds a leading wildcard', () => {
    expect(lowerOk(String.raw`Image|endswith: '\cmd.exe'`)).toMatchObject({ value: { parts: [any, lit('\\cmd.exe')] } });
  });

  it('does not add a second leading wildcard', () => {
    expect(sigmaTexts(lowerOk("x|endswith: '*.exe'"))).toEqual(['*.exe']);
  });

  it('is an error on a number', () => {
    expect(codesAt(lower('x|endswith: 1.5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
  });
});

describe('cased', () => {
  it('makes the pattern case-sensitive (edge case 8)', () => {
    expect(lowerOk("User|cased: 'ADMIN'")).toEqual(Match.create('User', StringPattern.create([lit('ADMIN')], true), at(1, 13)));
  });

  it('composes with contains in either order (§4.12)', () => {
    const a = lowerOk('x|cased|contains: Ab');
    const b = lowerOk('x|contains|cased: Ab');
    expect(a).toEqual(b);
    expect(a).toMatchObject({ value: { isCased: true, parts: [any, lit('Ab'), any] } });
  });

  it('is an error on a number or a boolean', () => {
    expect(codesAt(lower('x|cased: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 10 }]);
    expect(codesAt(lower('x|cased: true').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 10 }]);
  });

  it('is an error on a regex (regex case is set with i)', () => {
    expect(codesAt(lower('x|re|cased: a').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
  });
});
