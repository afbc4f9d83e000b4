import { Exists, Not } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk } from './lower-helpers.js';

describe('exists', () => {
  it('true lowers to Exists at the value (edge case 14)', () => {
    expect(lowerOk('x|exists: true')).toEqual(Exists.create('x', at(1, 11)));
  });

  it('false lowers to Not(Exists)', () => {
    expect(lowerOk('x|exists: false')).toEqual(Not.create(Exists.create('x', at(1, 11))));
  });

  it('takes unquoted yes as true (YAML 1.1, edge case 30)', () => {
    expect(lowerOk('x|exists: yes')).toEqual(Exists.create('x', at(1, 11)));
    expect(lowerOk('x|exists: off')).toEqual(Not.create(Exists.create('x', at(1, 11))));
  });

  it("rejects quoted 'yes', a string (edge case 30)", () => {
    const result = lower("x|exists: 'yes'");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
  });

  it('rejects numbers and null', () => {
    expect(codesAt(lower('x|exists: 1').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
    expect(codesAt(lower('x|exists: null').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
  });

  it('must be the first modifier', () => {
    expect(codesAt(lower('x|contains|exists: true').errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
    expect(codesAt(lower('x|neq|exists: true').errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });

  it('combines with neq after it', () => {
    expect(lowerOk('x|exists|neq: true')).toEqual(Not.create(Exists.create('x', at(1, 15))));
  });

  it('cannot be followed by a value modifier', () => {
    expect(codesAt(lower('x|exists|contains: true').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 20 }]);
  });

  it('is an error on a keyword: it needs a field (§4.12)', () => {
    const result = lower("'|exists': true");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 1, column: 1 }]);
  });
});
