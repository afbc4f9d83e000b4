// sigma-semantics.md §12, edge cases 1-34 and 40-52, checked on the IR this module builds;
// whether an event then matches is the evaluator's job. Cases 35-39 and 44 concern the
// condition, 49 (duplicate keys) the YAML loader, so they are tested there.
import {
  And,
  BooleanValue,
  CidrValue,
  CompareValue,
  Exists,
  FieldRefValue,
  Keyword,
  Match,
  Not,
  NullValue,
  NumberValue,
  PatternPart,
  RegexValue,
  StringPattern,
  TimePartValue,
} from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { lowerDetectionItem } from '../../src/modifiers/lower-item.js';
import { at, codesAt, lower, lowerOk, sigmaTexts } from './lower-helpers.js';

const lit = PatternPart.literal;
const any = PatternPart.anyChars;
const text = (t: string, isCased = false): StringPattern => StringPattern.create([lit(t)], isCased);
const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

describe('sigma-semantics.md §12 edge cases', () => {
  it('1: \\W, \\S and \\c are not escapes: the path stays as written', () => {
    expect(lowerOk(String.raw`Image: 'C:\Windows\System32\cmd.exe'`)).toEqual(
      Match.create('Image', text(String.raw`C:\Windows\System32\cmd.exe`), at(1, 8)),
    );
  });

  it('2: a doubled backslash collapses, so the value has single backslashes', () => {
    expect(lowerOk(String.raw`Image: 'C:\\Windows\\cmd.exe'`)).toMatchObject({ value: text(String.raw`C:\Windows\cmd.exe`) });
  });

  it('3: four backslashes are two', () => {
    expect(lowerOk(String.raw`x: 'a\\\\b'`)).toMatchObject({ value: text(String.raw`a\\b`) });
  });

  it('4: an escaped star is a literal star, not a wildcard', () => {
    expect(lowerOk(String.raw`x: 'ab\*'`)).toMatchObject({ value: text('ab*') });
  });

  it('5: an escaped backslash followed by a wildcard', () => {
    expect(lowerOk(String.raw`x: 'ab\\*'`)).toMatchObject({ value: StringPattern.create([lit('ab\\'), any], false) });
  });

  it('6: double-quoted YAML decodes first, then Sigma keeps \\t', () => {
    expect(lowerOk(String.raw`x: "C:\\temp"`)).toMatchObject({ value: text('C:\\temp') });
    expect(lowerOk(String.raw`x: "C:\temp"`)).toMatchObject({ value: text('C:\temp') });
  });

  it('7: strings are case-insensitive by default', () => {
    expect(lowerOk("User: 'ADMIN'")).toMatchObject({ value: text('ADMIN', false) });
  });

  it('8: cased makes the comparison case-sensitive', () => {
    expect(lowerOk("User|cased: 'ADMIN'")).toMatchObject({ value: text('ADMIN', true) });
  });

  it('9: a YAML number stays a number', () => {
    expect(lowerOk('EventID: 4688')).toMatchObject({ value: NumberValue.create(4688, '4688') });
  });

  it('10: a quoted number is a string', () => {
    expect(lowerOk("EventID: '4688'")).toMatchObject({ value: text('4688') });
  });

  it('11: a YAML boolean stays a boolean', () => {
    expect(lowerOk('Signed: true')).toMatchObject({ value: BooleanValue.create(true) });
  });

  it('12: null lowers to NullValue', () => {
    expect(lowerOk('x: null')).toMatchObject({ value: NullValue.create() });
  });

  it("13: '' is an empty string, not null", () => {
    expect(lowerOk("x: ''")).toMatchObject({ value: StringPattern.create([], false) });
  });

  it('14: exists: true is a presence test', () => {
    expect(lowerOk('x|exists: true')).toEqual(Exists.create('x', at(1, 11)));
  });

  it('15: an empty list is F: null, with a warning', () => {
    const result = lower('x: []');
    expect(result.node).toEqual(Match.create('x', NullValue.create(), at(1, 1)));
    expect(result.warnings).toHaveLength(1);
  });

  it('16: an empty list without a field is an error', () => {
    const result = lowerDetectionItem({ field: null, modifiers: [], keyLoc: at(2, 3), values: [], isList: true }, { placeholders: new Map() });
    expect(codesAt(result.errors)).toEqual([{ code: 'schema', line: 2, column: 3 }]);
  });

  it('17: all without contains requires both equalities', () => {
    expect(lower('x|all: [a, b]').node).toEqual(
      And.create([Match.create('x', text('a'), at(1, 9)), Match.create('x', text('b'), at(1, 12))]),
    );
  });

  it('18: re is an unanchored regex', () => {
    expect(lowerOk("x|re: 'b+c'")).toMatchObject({ value: RegexValue.create('b+c', '') });
  });

  it('19: contains|re is an error: re must come first', () => {
    expect(codesAt(lower("x|contains|re: 'a'").errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });

  it('20: base64offset|contains gives the Bpbm variant among others', () => {
    expect(sigmaTexts(lowerOk("x|base64offset|contains: 'ping'"))).toEqual(['*cGluZ*', '*Bpbm*', '*waW5n*']);
  });

  it('21: a wildcard cannot be base64-encoded', () => {
    expect(codesAt(lower("x|base64: 'a*'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
  });

  it('22: windash|contains covers /f', () => {
    expect(sigmaTexts(lowerOk("x|windash|contains: ' -f '"))).toEqual(DASHES.map((d) => `* ${d}f *`));
  });

  it('23: a dash between word characters is not expanded', () => {
    expect(lowerOk("x|windash: 'a-b'")).toEqual(Match.create('x', text('a-b'), at(1, 12)));
  });

  it('24: host bits set is an invalid CIDR', () => {
    expect(codesAt(lower("x|cidr: '10.0.0.1/8'").errors)).toEqual([{ code: 'invalid-cidr', line: 1, column: 9 }]);
  });

  it('25: a valid network lowers to its canonical form', () => {
    expect(lowerOk("x|cidr: '192.168.0.0/16'")).toMatchObject({ value: CidrValue.create(4, '192.168.0.0', 16) });
  });

  it('26: a comparison needs an unquoted number', () => {
    expect(codesAt(lower("x|gt: '5'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 7 }]);
  });

  it('27: gte lowers to a numeric comparison', () => {
    expect(lowerOk('x|gte: 5')).toMatchObject({ value: CompareValue.create('gte', 5) });
  });

  it('28: neq is NOT over the item, so a missing field satisfies it', () => {
    expect(lowerOk("x|neq: 'a'")).toEqual(Not.create(Match.create('x', text('a'), at(1, 8))));
  });

  it('29: fieldref compares with another field', () => {
    expect(lowerOk('x|fieldref: y')).toMatchObject({ value: FieldRefValue.create('y', 'exact', false) });
  });

  it("30: exists: 'yes' is an error, exists: yes is true", () => {
    expect(codesAt(lower("x|exists: 'yes'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
    expect(lowerOk('x|exists: yes')).toEqual(Exists.create('x', at(1, 11)));
  });

  it('31: utf16le is accepted as wide', () => {
    expect(lower("x|utf16le: 'a'").errors).toEqual([]);
    expect(lowerOk("x|utf16le: 'a'")).toMatchObject({ value: text('a\u0000') });
  });

  it('32: contains on a number is an error', () => {
    expect(codesAt(lower('x|contains: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 13 }]);
  });

  it('33: a keyword is a case-insensitive substring search', () => {
    expect(lowerOk("- 'evil'")).toEqual(Keyword.create(StringPattern.create([any, lit('evil'), any], false), at(1, 3)));
  });

  it('34: a boolean keyword is an error', () => {
    expect(codesAt(lower('- true').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 3 }]);
  });

  it('40: 1:30 is the YAML 1.1 sexagesimal number 90', () => {
    expect(lowerOk('x: 1:30')).toMatchObject({ value: NumberValue.create(90, '1:30') });
  });

  it('41: startswith lowers to a prefix pattern (list fields are the evaluator’s business)', () => {
    expect(lowerOk("x|startswith: 'a'")).toMatchObject({ value: StringPattern.create([lit('a'), any], false) });
  });

  it('42: hour lowers to a time-part equality', () => {
    expect(lowerOk('x|hour: 23')).toMatchObject({ value: TimePartValue.create('hour', 'eq', 23) });
  });

  it('43: expand ORs the placeholder values; an unknown placeholder is an error', () => {
    expect(sigmaTexts(lowerOk("x|expand: '%admins%'", { admins: ['root', 'admin'] }))).toEqual(['root', 'admin']);
    expect(codesAt(lower("x|expand: '%admins%'").errors)).toEqual([{ code: 'unknown-placeholder', line: 1, column: 11 }]);
  });

  it('45: all with a single value is accepted with a warning', () => {
    const result = lower("x|contains|all: 'abc'");
    expect(result.node).toMatchObject({ kind: 'Match', value: StringPattern.create([any, lit('abc'), any], false) });
    expect(result.warnings).toHaveLength(1);
  });

  it('46: each windash expansion is one OR group inside the AND', () => {
    const node = lowerOk("x|windash|contains|all: [' -a', ' -b']");
    if (!And.is(node)) throw new Error(`expected And, got ${node.kind}`);
    expect(node.children.map(sigmaTexts)).toEqual([DASHES.map((d) => `* ${d}a*`), DASHES.map((d) => `* ${d}b*`)]);
  });

  it('47: NOT applies to the whole windash group', () => {
    const node = lowerOk("x|windash|contains|neq: ' -n '");
    if (!Not.is(node)) throw new Error(`expected Not, got ${node.kind}`);
    expect(sigmaTexts(node.child)).toEqual(DASHES.map((d) => `* ${d}n *`));
  });

  it('48: an invalid regex is an error', () => {
    expect(codesAt(lower("x|re: '['").errors)).toEqual([{ code: 'invalid-regex', line: 1, column: 7 }]);
  });

  it('50: wildcards inside keywords keep working', () => {
    expect(sigmaTexts(lowerOk("- 'a*b'"))).toEqual(['*a*b*']);
  });

  it('51: two items on the same field lower independently (the map ANDs them)', () => {
    const source = "x: 'ab'\nx|contains: 'z'\n";
    expect(lower(source, {}, 0).node).toEqual(Match.create('x', text('ab'), at(1, 4)));
    expect(lower(source, {}, 1).node).toEqual(Match.create('x', StringPattern.create([any, lit('z'), any], false), at(2, 13)));
  });

  it('52: wide|base64offset|contains gives the cABpAG4AZw variant among others', () => {
    expect(sigmaTexts(lowerOk("x|wide|base64offset|contains: 'ping'"))).toEqual(['*cABpAG4AZw*', '*AAaQBuAGcA*', '*wAGkAbgBnA*']);
  });
});
