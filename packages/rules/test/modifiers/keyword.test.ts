import { And, Keyword, PatternPart, RegexValue, StringPattern } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { lowerDetectionItem } from '../../src/modifiers/lower-item.js';
import { at, codesAt, lower, lowerOk, sigmaTexts } from './lower-helpers.js';

const lit = PatternPart.literal;
const any = PatternPart.anyChars;

describe('keywords (field-less items, §5)', () => {
  it('wraps a keyword in wildcards: a substring search over every value (edge case 33)', () => {
    expect(lowerOk("- 'evil'")).toEqual(Keyword.create(StringPattern.create([any, lit('evil'), any], false), at(1, 3)));
  });

  it('searches a bare scalar keyword the same way', () => {
    expect(lowerOk('evil')).toEqual(Keyword.create(StringPattern.create([any, lit('evil'), any], false), at(1, 1)));
  });

  it('ORs a list of keywords', () => {
    expect(sigmaTexts(lowerOk('- a\n- b\n'))).toEqual(['*a*', '*b*']);
  });

  it('keeps wildcards inside a keyword (edge case 50)', () => {
    expect(sigmaTexts(lowerOk("- 'a*b'"))).toEqual(['*a*b*']);
  });

  it('does not double a wildcard the keyword already has at either end', () => {
    expect(sigmaTexts(lowerOk("- '*evil'\n- 'evil*'\n- '?x?'\n"))).toEqual(['*evil*', '*evil*', '*?x?*']);
  });

  it('searches numbers as their text', () => {
    expect(sigmaTexts(lowerOk('- 4688\n- 1.0\n'))).toEqual(['*4688*', '*1*']);
  });

  it('rejects booleans and null as keywords, at the value (edge case 34)', () => {
    const result = lower('- evil\n- true\n- null\n');
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([
      { code: 'modifier-type', line: 2, column: 3 },
      { code: 'modifier-type', line: 3, column: 3 },
    ]);
  });

  it('ANDs keywords with |all: each must occur somewhere', () => {
    const result = lower("'|all': [a, b]");
    expect(result.node).toEqual(
      And.create([
        Keyword.create(StringPattern.create([any, lit('a'), any], false), at(1, 10)),
        Keyword.create(StringPattern.create([any, lit('b'), any], false), at(1, 13)),
      ]),
    );
    // No "all without contains" warning: keywords are substring searches anyway.
    expect(result.warnings).toEqual([]);
  });

  it('allows re keywords', () => {
    expect(lowerOk("'|re': '^a+$'")).toEqual(Keyword.create(RegexValue.create('^a+$', ''), at(1, 8)));
  });

  it('makes a cased keyword case-sensitive', () => {
    expect(lowerOk("'|cased': Foo")).toMatchObject({ value: { isCased: true, parts: [any, lit('Foo'), any] } });
  });

  it('takes contains on a keyword without doubling wildcards', () => {
    expect(sigmaTexts(lowerOk("'|contains': abc"))).toEqual(['*abc*']);
  });

  it('rejects an empty keyword list: null must be bound to a field', () => {
    const result = lowerDetectionItem(
      { field: null, modifiers: [], keyLoc: at(4, 3), values: [], isList: true },
      { placeholders: new Map() },
    );
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'schema', line: 4, column: 3 }]);
  });
});
