import {
  BooleanValue,
  Match,
  NullValue,
  NumberValue,
  Or,
  PatternPart,
  StringPattern,
} from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { lowerDetectionItem } from '../../src/modifiers/lower-item.js';
import { at, codesAt, itemFromYaml, lower, lowerOk } from './lower-helpers.js';

const lit = PatternPart.literal;

describe('plain values are typed by YAML 1.1 (sigma-semantics.md §1.1, §2.4)', () => {
  it('lowers a YAML integer to a NumberValue keeping its text, located at the value', () => {
    expect(lowerOk('EventID: 4688')).toEqual(Match.create('EventID', NumberValue.create(4688, '4688'), at(1, 10)));
  });

  it('normalises an integral float to the integer and keeps the written text', () => {
    expect(lowerOk('x: 1.0')).toEqual(Match.create('x', NumberValue.create(1, '1.0'), at(1, 4)));
  });

  it('reads hex and sexagesimal numbers as YAML 1.1 does (edge case 40)', () => {
    expect(lowerOk('x: 0x1F')).toMatchObject({ value: { kind: 'Number', value: 31, text: '0x1F' } });
    expect(lowerOk('x: 1:30')).toMatchObject({ value: { kind: 'Number', value: 90, text: '1:30' } });
  });

  it('keeps a quoted number a string (edge case 10)', () => {
    expect(lowerOk("EventID: '4688'")).toEqual(
      Match.create('EventID', StringPattern.create([lit('4688')], false), at(1, 10)),
    );
  });

  it('keeps 00000429 a string: it is neither octal nor decimal in YAML 1.1', () => {
    expect(lowerOk('x: 00000429')).toMatchObject({ value: { kind: 'StringPattern', parts: [lit('00000429')] } });
  });

  it('lowers YAML booleans, including unquoted yes, to BooleanValue (edge case 11)', () => {
    expect(lowerOk('Signed: true')).toEqual(Match.create('Signed', BooleanValue.create(true), at(1, 9)));
    expect(lowerOk('x: yes')).toMatchObject({ value: BooleanValue.create(true) });
    expect(lowerOk('x: Off')).toMatchObject({ value: BooleanValue.create(false) });
    expect(lowerOk("x: 'true'")).toMatchObject({ value: { kind: 'StringPattern', parts: [lit('true')] } });
  });

  it('lowers null, ~ and an empty value to NullValue (edge case 12)', () => {
    expect(lowerOk('x: null')).toEqual(Match.create('x', NullValue.create(), at(1, 4)));
    expect(lowerOk('x: ~')).toMatchObject({ value: NullValue.create() });
    expect(lowerOk('x:')).toMatchObject({ value: NullValue.create() });
  });

  it("lowers '' to an empty pattern, which is not null (edge case 13)", () => {
    expect(lowerOk("x: ''")).toEqual(Match.create('x', StringPattern.create([], false), at(1, 4)));
  });

  it("lowers '*' to a lone wildcard (present and not null, §2.3)", () => {
    expect(lowerOk("x: '*'")).toMatchObject({ value: StringPattern.create([PatternPart.anyChars], false) });
  });

  it('makes plain strings case-insensitive (edge case 7)', () => {
    expect(lowerOk("User: 'ADMIN'")).toMatchObject({ value: { isCased: false, parts: [lit('ADMIN')] } });
  });
});

describe('value lists', () => {
  it('ORs the values of a list, each leaf located at its own value', () => {
    expect(lowerOk('x:\n  - a\n  - b\n')).toEqual(
      Or.create([
        Match.create('x', StringPattern.create([lit('a')], false), at(2, 5)),
        Match.create('x', StringPattern.create([lit('b')], false), at(3, 5)),
      ]),
    );
  });

  it('turns an empty list into F: null with a warning at the key (§2.3, edge case 15)', () => {
    const result = lower('x: []');
    expect(result.errors).toEqual([]);
    expect(result.node).toEqual(Match.create('x', NullValue.create(), at(1, 1)));
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'schema', severity: 'warning', location: at(1, 1) })]);
  });

  it('accepts null mixed into a list, ORed, with a warning at the null (§11 #14)', () => {
    const result = lower('x: [null, a]');
    expect(result.errors).toEqual([]);
    expect(result.node).toEqual(
      Or.create([
        Match.create('x', NullValue.create(), at(1, 5)),
        Match.create('x', StringPattern.create([lit('a')], false), at(1, 11)),
      ]),
    );
    expect(codesAt(result.warnings)).toEqual([{ code: 'schema', line: 1, column: 5 }]);
  });

  it('returns no node and every error when several values are bad', () => {
    const result = lower('x|contains: [1, a, 2]');
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([
      { code: 'modifier-type', line: 1, column: 14 },
      { code: 'modifier-type', line: 1, column: 20 },
    ]);
  });
});

describe('unsupported value types are errors located at the value', () => {
  it('rejects a nested map as a value', () => {
    const result = lower('x:\n  y: 1\n');
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 2, column: 3 }]);
  });

  it('rejects a map inside a value list', () => {
    expect(codesAt(lower('x:\n  - a\n  - y: 1\n').errors)).toEqual([{ code: 'modifier-type', line: 3, column: 5 }]);
  });

  it('rejects a list inside a value list', () => {
    expect(codesAt(lower('x: [a, [b]]').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 8 }]);
  });

  it('rejects an unquoted YAML date ("unsupported type", as pySigma does)', () => {
    const result = lower('x: 2024-01-31');
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 1, column: 4 }]);
    expect(result.errors[0]?.message).toMatch(/unsupported type/);
  });

  it('rejects .inf and .nan, which have no JSON form', () => {
    expect(codesAt(lower('x: .inf').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 4 }]);
    expect(codesAt(lower('x: .nan').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 4 }]);
  });
});

describe('lowerDetectionItem output', () => {
  it('returns frozen results', () => {
    const result = lowerDetectionItem(itemFromYaml('x: [a, b]'), { placeholders: new Map() });
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.node)).toBe(true);
    expect(Object.isFrozen(result.errors)).toBe(true);
  });

  it('produces JSON-safe IR (it crosses worker threads)', () => {
    const node = lowerOk("x|windash|contains: ' -f '");
    expect(JSON.parse(JSON.stringify(node))).toEqual(node);
  });
});
