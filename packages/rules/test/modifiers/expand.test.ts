import { And, Constant, Match, Or, PatternPart, RegexValue, StringPattern } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk, sigmaTexts } from './lower-helpers.js';

const lit = PatternPart.literal;

describe('expand', () => {
  it('replaces a placeholder by each configured value, ORed (edge case 43)', () => {
    expect(lowerOk("x|expand: '%admins%'", { admins: ['root', 'admin'] })).toEqual(
      Or.create([
        Match.create('x', StringPattern.create([lit('root')], false), at(1, 11)),
        Match.create('x', StringPattern.create([lit('admin')], false), at(1, 11)),
      ]),
    );
  });

  it('rejects an unknown placeholder at the value, naming it (edge case 43)', () => {
    const result = lower("x|expand: '%admins%'", { other: ['a'] });
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'unknown-placeholder', line: 1, column: 11 }]);
    expect(result.errors[0]?.message).toContain('%admins%');
  });

  it('leaves %name% as plain text without expand (§4.11)', () => {
    expect(sigmaTexts(lowerOk("x: '%admins%'", { admins: ['root'] }))).toEqual(['%admins%']);
  });

  it('treats \\% as a literal percent that starts no placeholder', () => {
    expect(lowerOk(String.raw`x|expand: '\%admins%'`, { admins: ['root'] })).toMatchObject({
      value: StringPattern.create([lit('%admins%')], false),
    });
  });

  it('keeps an unclosed percent literal', () => {
    expect(sigmaTexts(lowerOk("x|expand: '50%'"))).toEqual(['50%']);
  });

  it('builds the cartesian product of several placeholders', () => {
    expect(sigmaTexts(lowerOk("x|expand: '%a%:%b%'", { a: ['1', '2'], b: ['x', 'y'] }))).toEqual(['1:x', '1:y', '2:x', '2:y']);
  });

  it('reads placeholder values as Sigma strings, so wildcards work', () => {
    expect(lowerOk("x|expand: '%a%'", { a: ['adm*'] })).toMatchObject({
      value: StringPattern.create([lit('adm'), PatternPart.anyChars], false),
    });
  });

  it('composes with contains and cased', () => {
    expect(sigmaTexts(lowerOk("x|expand|contains: '%a%'", { a: ['root'] }))).toEqual(['*root*']);
    expect(lowerOk("x|cased|expand: '%a%'", { a: ['Root'] })).toMatchObject({ value: { isCased: true } });
  });

  it('keeps each value one OR group inside all', () => {
    const node = lowerOk("x|expand|contains|all: ['%a%', 'z']", { a: ['1', '2'] });
    expect(node.kind).toBe('And');
    if (node.kind !== 'And') return;
    expect(node.children.map(sigmaTexts)).toEqual([['*1*', '*2*'], ['*z*']]);
  });

  it('inserts placeholder values into a regex as escaped text', () => {
    const node = lowerOk("x|re|expand: '^%a%$'", { a: ['a.b', 'c*'] });
    expect(node).toMatchObject({
      kind: 'Or',
      children: [{ value: RegexValue.create(String.raw`^a\.b$`, '') }, { value: RegexValue.create(String.raw`^c[\s\S]*$`, '') }],
    });
  });

  it('matches nothing for a placeholder configured with no values', () => {
    expect(lowerOk("x|expand: '%a%'", { a: [] })).toEqual(Constant.FALSE);
  });

  it('must run before base64, which cannot encode a placeholder', () => {
    expect(codesAt(lower("x|base64|expand: '%a%'", { a: ['x'] }).errors)).toEqual([{ code: 'modifier-order', line: 1, column: 18 }]);
    expect(sigmaTexts(lowerOk("x|expand|base64: '%a%'", { a: ['cmd'] }))).toEqual(['Y21k']);
  });

  it('must run before wide, which would leave placeholder values unencoded', () => {
    expect(codesAt(lower("x|wide|expand: '%a%'", { a: ['x'] }).errors)).toEqual([{ code: 'modifier-order', line: 1, column: 16 }]);
    expect(lowerOk("x|expand|wide: '%a%'", { a: ['x'] })).toMatchObject({ value: StringPattern.create([lit('x\u0000')], false) });
  });

  it('is an error on a number', () => {
    expect(codesAt(lower('x|expand: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
  });

  it('works on keywords', () => {
    expect(sigmaTexts(lowerOk("'|expand': '%a%'", { a: ['x', 'y'] }))).toEqual(['*x*', '*y*']);
    expect(And.is(lowerOk("'|expand': '%a%'", { a: ['x'] }))).toBe(false);
  });
});
