import { Match, TimePartValue } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk } from './lower-helpers.js';

describe('minute, hour, day, week, month, year', () => {
  it.each(['minute', 'hour', 'day', 'week', 'month', 'year'] as const)('%s lowers to an equality on that part', (part) => {
    expect(lowerOk(`x|${part}: 7`)).toEqual(Match.create('x', TimePartValue.create(part, 'eq', 7), at(1, 5 + part.length)));
  });

  it('hour: 23 lowers to TimePart(hour, eq, 23) (edge case 42)', () => {
    expect(lowerOk('x|hour: 23')).toMatchObject({ value: TimePartValue.create('hour', 'eq', 23) });
  });

  it('takes a following comparison: hour|gte: 22 (§4.10)', () => {
    expect(lowerOk('x|hour|gte: 22')).toEqual(Match.create('x', TimePartValue.create('hour', 'gte', 22), at(1, 13)));
    expect(lowerOk('x|year|lt: 2020')).toMatchObject({ value: TimePartValue.create('year', 'lt', 2020) });
  });

  it('rejects the comparison first: gt|hour (§4.12)', () => {
    const result = lower('x|gt|hour: 22');
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });

  it('rejects a quoted number and a fraction', () => {
    expect(codesAt(lower("x|hour: '23'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 9 }]);
    expect(codesAt(lower('x|hour: 1.5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 9 }]);
  });

  it('rejects two time parts', () => {
    expect(codesAt(lower('x|hour|day: 1').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
  });

  it('rejects two comparisons after a time part', () => {
    expect(codesAt(lower('x|hour|gt|lt: 1').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 15 }]);
  });

  it('needs a field', () => {
    expect(codesAt(lower("'|hour': 1").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 1 }]);
  });
});
