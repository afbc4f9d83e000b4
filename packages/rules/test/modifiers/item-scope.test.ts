import { And, Match, Not, NullValue, Or, PatternPart, StringPattern } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk } from './lower-helpers.js';

const lit = PatternPart.literal;
const any = PatternPart.anyChars;
const pattern = (...parts: PatternPart[]): StringPattern => StringPattern.create(parts, false);

describe('all', () => {
  it('ANDs the values instead of ORing them', () => {
    const result = lower('x|contains|all: [a, b]');
    expect(result.warnings).toEqual([]);
    expect(result.node).toEqual(
      And.create([
        Match.create('x', pattern(any, lit('a'), any), at(1, 18)),
        Match.create('x', pattern(any, lit('b'), any), at(1, 21)),
      ]),
    );
  });

  it('accepts a single value with a warning at the key (edge case 45, §11 #13)', () => {
    const result = lower("x|contains|all: 'abc'");
    expect(result.node).toEqual(Match.create('x', pattern(any, lit('abc'), any), at(1, 17)));
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'modifier-type', severity: 'warning', location: at(1, 1) })]);
  });

  it('warns when a field-bound all has no contains: only equal values could match (edge case 17)', () => {
    const result = lower('x|all: [a, b]');
    expect(result.node).toEqual(And.create([Match.create('x', pattern(lit('a')), at(1, 9)), Match.create('x', pattern(lit('b')), at(1, 12))]));
    expect(codesAt(result.warnings)).toEqual([{ code: 'modifier-type', line: 1, column: 1 }]);
    expect(result.warnings[0]?.severity).toBe('warning');
  });

  it('does not warn about a missing contains for startswith or re', () => {
    expect(lower('x|startswith|all: [a, b]').warnings).toEqual([]);
    expect(lower('x|re|all: [a, b]').warnings).toEqual([]);
  });

  it('counts as an earlier modifier, so all|re is an order error (§4.1)', () => {
    const result = lower('x|all|re: [a, b]');
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });
});

describe('neq', () => {
  it('negates the item, so a missing field satisfies it (edge case 28)', () => {
    expect(lowerOk("x|neq: 'a'")).toEqual(Not.create(Match.create('x', pattern(lit('a')), at(1, 8))));
  });

  it('negates the OR of all values: NOT (F = a OR F = b)', () => {
    expect(lowerOk('x|neq: [a, b]')).toEqual(
      Not.create(Or.create([Match.create('x', pattern(lit('a')), at(1, 9)), Match.create('x', pattern(lit('b')), at(1, 12))])),
    );
  });

  it('with null means present and not null', () => {
    expect(lowerOk('x|neq: null')).toEqual(Not.create(Match.create('x', NullValue.create(), at(1, 8))));
  });

  it('combines with contains in any position', () => {
    expect(lowerOk('x|contains|neq: a')).toEqual(lowerOk('x|neq|contains: a'));
    expect(lowerOk('x|contains|neq: a')).toMatchObject({ kind: 'Not', child: { value: pattern(any, lit('a'), any) } });
  });

  it('negates an empty list (F: null) too', () => {
    expect(lower('x|neq: []').node).toEqual(Not.create(Match.create('x', NullValue.create(), at(1, 1))));
  });

  it('counts as an earlier modifier, so neq|cidr is an order error; cidr|neq works', () => {
    expect(codesAt(lower("x|neq|cidr: '10.0.0.0/8'").errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
    expect(lowerOk("x|cidr|neq: '10.0.0.0/8'").kind).toBe('Not');
  });
});

describe('the same modifier twice', () => {
  it('is harmless with a warning at the key (§4.12)', () => {
    const result = lower('x|contains|contains: a');
    expect(result.node).toMatchObject({ value: pattern(any, lit('a'), any) });
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'modifier-order', severity: 'warning', location: at(1, 1) })]);
  });

  it('counts an alias as the same modifier', () => {
    expect(lower('x|re|i|ignorecase: a').warnings).toHaveLength(1);
  });
});
