import { FieldRefValue, Match, Not, Or } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk } from './lower-helpers.js';

describe('fieldref', () => {
  it('compares with another field of the event (edge case 29)', () => {
    expect(lowerOk('x|fieldref: y')).toEqual(Match.create('x', FieldRefValue.create('y', 'exact', false), at(1, 13)));
  });

  it('takes the position from contains/startswith/endswith, before or after it (§4.12)', () => {
    for (const [mod, position] of [
      ['contains', 'contains'],
      ['startswith', 'startswith'],
      ['endswith', 'endswith'],
    ] as const) {
      expect(lowerOk(`x|fieldref|${mod}: y`)).toMatchObject({ value: FieldRefValue.create('y', position, false) });
      expect(lowerOk(`x|${mod}|fieldref: y`)).toMatchObject({ value: FieldRefValue.create('y', position, false) });
    }
  });

  it('is case-sensitive with cased, in either order', () => {
    expect(lowerOk('x|fieldref|cased: y')).toMatchObject({ value: FieldRefValue.create('y', 'exact', true) });
    expect(lowerOk('x|cased|fieldref: y')).toMatchObject({ value: FieldRefValue.create('y', 'exact', true) });
  });

  it('is negated by neq', () => {
    expect(lowerOk('x|fieldref|neq: y')).toEqual(Not.create(Match.create('x', FieldRefValue.create('y', 'exact', false), at(1, 17))));
  });

  it('ORs a list of field names', () => {
    expect(lowerOk('x|fieldref: [a, b]')).toEqual(
      Or.create([
        Match.create('x', FieldRefValue.create('a', 'exact', false), at(1, 14)),
        Match.create('x', FieldRefValue.create('b', 'exact', false), at(1, 17)),
      ]),
    );
  });

  it('keeps dots and spaces of the referenced name', () => {
    expect(lowerOk("x|fieldref: 'id.orig h'")).toMatchObject({ value: { field: 'id.orig h' } });
  });

  it('rejects a name with wildcards', () => {
    expect(codesAt(lower("x|fieldref: 'y*'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
  });

  it('rejects a number, a boolean and an empty name', () => {
    expect(codesAt(lower('x|fieldref: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
    expect(codesAt(lower('x|fieldref: true').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
    expect(codesAt(lower("x|fieldref: ''").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
  });

  it('needs a field: a keyword fieldref is an error at the key', () => {
    expect(codesAt(lower("'|fieldref': y").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 1 }]);
  });
});
