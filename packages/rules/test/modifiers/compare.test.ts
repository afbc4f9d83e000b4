import { CompareValue, Match, Not } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk } from './lower-helpers.js';

describe('gt, gte, lt, lte', () => {
  it.each(['gt', 'gte', 'lt', 'lte'] as const)('%s lowers to a numeric comparison', (op) => {
    expect(lowerOk(`x|${op}: 5`)).toEqual(Match.create('x', CompareValue.create(op, 5), at(1, 5 + op.length)));
  });

  it('keeps fractional numbers', () => {
    expect(lowerOk('x|gte: 1.5')).toMatchObject({ value: CompareValue.create('gte', 1.5) });
  });

  it('lowers x|gte: 5 to a comparison; non-numeric event values are the engine’s business (edge case 27)', () => {
    expect(lowerOk('x|gte: 5')).toMatchObject({ value: CompareValue.create('gte', 5) });
  });

  it("rejects a quoted number (edge case 26)", () => {
    const result = lower("x|gt: '5'");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 1, column: 7 }]);
  });

  it('rejects booleans and null', () => {
    expect(codesAt(lower('x|lt: true').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 7 }]);
    expect(codesAt(lower('x|lt: null').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 7 }]);
  });

  it('cannot stack two comparisons', () => {
    expect(codesAt(lower('x|gt|lt: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 10 }]);
  });

  it('combines with neq', () => {
    expect(lowerOk('x|gt|neq: 5')).toEqual(Not.create(Match.create('x', CompareValue.create('gt', 5), at(1, 11))));
  });

  it('needs a field', () => {
    expect(codesAt(lower("'|gt': 5").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 1 }]);
  });
});
