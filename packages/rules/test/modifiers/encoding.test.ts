import { Keyword, Match, PatternPart, StringPattern } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { base64OffsetVariants } from '../../src/modifiers/encoding.js';
import { at, codesAt, lower, lowerOk, sigmaTexts } from './lower-helpers.js';

const lit = PatternPart.literal;
const any = PatternPart.anyChars;

describe('base64', () => {
  it('encodes the UTF-8 bytes with padding, as a case-insensitive plain string (§4.4)', () => {
    expect(lowerOk('x|base64: cmd')).toEqual(Match.create('x', StringPattern.create([lit('Y21k')], false), at(1, 11)));
    expect(sigmaTexts(lowerOk("x|base64: 'é'"))).toEqual(['w6k=']);
  });

  it('allows contains after it', () => {
    expect(lowerOk('x|base64|contains: cmd')).toMatchObject({ value: { parts: [any, lit('Y21k'), any] } });
  });

  it('allows double encoding without a duplicate warning (§4.12)', () => {
    const result = lower('x|base64|base64: a');
    expect(result.warnings).toEqual([]);
    expect(sigmaTexts(result.node ?? lowerOk('x: a'))).toEqual(['WVE9PQ==']);
  });

  it('rejects a value with wildcards (edge case 21)', () => {
    const result = lower("x|base64: 'a*'");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
  });

  it('encodes an escaped star as a literal star', () => {
    expect(sigmaTexts(lowerOk(String.raw`x|base64: 'a\*'`))).toEqual([Buffer.from('a*').toString('base64')]);
  });

  it('rejects contains before it: the added wildcards cannot be encoded (§4.12)', () => {
    expect(codesAt(lower('x|contains|base64: a').errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
    expect(codesAt(lower('x|startswith|base64: a').errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });

  it('is an error on a number', () => {
    expect(codesAt(lower('x|base64: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 11 }]);
  });
});

describe('base64offset', () => {
  it('produces the three offset variants of ping as an OR group (§4.4)', () => {
    const node = lowerOk('x|base64offset|contains: ping');
    expect(sigmaTexts(node)).toEqual(['*cGluZ*', '*Bpbm*', '*waW5n*']);
    expect(node).toMatchObject({ kind: 'Or', children: [{ origin: at(1, 26) }, { origin: at(1, 26) }, { origin: at(1, 26) }] });
  });

  it('produces aWV4, lle, pZX for iex', () => {
    expect(sigmaTexts(lowerOk('x|base64offset|contains: iex'))).toEqual(['*aWV4*', '*lle*', '*pZX*']);
  });

  it('cuts by byte length, not character count, for non-ASCII text', () => {
    expect(base64OffsetVariants(Buffer.from('é'))).toEqual(['w6', 'Op', 'Dq']);
  });

  it('after wide gives cABpAG4AZw, AAaQBuAGcA, wAGkAbgBnA (edge case 52)', () => {
    expect(sigmaTexts(lowerOk('x|wide|base64offset|contains: ping'))).toEqual([
      '*cABpAG4AZw*',
      '*AAaQBuAGcA*',
      '*wAGkAbgBnA*',
    ]);
  });

  it('keeps one OR group per value inside all', () => {
    const node = lowerOk('x|base64offset|contains|all: [ping, iex]');
    expect(node.kind).toBe('And');
    if (node.kind !== 'And') return;
    expect(node.children.map(sigmaTexts)).toEqual([
      ['*cGluZ*', '*Bpbm*', '*waW5n*'],
      ['*aWV4*', '*lle*', '*pZX*'],
    ]);
  });

  it('warns at the key when a field-bound item has no contains', () => {
    const result = lower('x|base64offset: ping');
    expect(sigmaTexts(result.node ?? lowerOk('x: a'))).toEqual(['cGluZ', 'Bpbm', 'waW5n']);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'modifier-order', severity: 'warning', location: at(1, 1) })]);
  });

  it('rejects contains before it (§4.12)', () => {
    expect(codesAt(lower('x|contains|base64offset: ping').errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });

  it('rejects a value with wildcards', () => {
    expect(codesAt(lower("x|base64offset|contains: 'p?ng'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 26 }]);
  });

  it('on keywords gives an OR of keyword searches, without the contains warning', () => {
    const result = lower("'|base64offset': ping");
    expect(result.warnings).toEqual([]);
    expect(result.node).toMatchObject({ kind: 'Or', children: [{ kind: 'Keyword' }, { kind: 'Keyword' }, { kind: 'Keyword' }] });
    expect(sigmaTexts(result.node ?? lowerOk('x: a'))).toEqual(['*cGluZ*', '*Bpbm*', '*waW5n*']);
  });
});

describe('wide, utf16le, utf16be, utf16', () => {
  it('wide|base64 encodes UTF-16LE bytes', () => {
    expect(sigmaTexts(lowerOk('x|wide|base64: cmd'))).toEqual(['YwBtAGQA']);
  });

  it('accepts utf16le as wide, which pySigma does not know (edge case 31)', () => {
    const result = lower('x|utf16le|base64: cmd');
    expect(result.errors).toEqual([]);
    expect(result.node).toMatchObject({ value: StringPattern.create([lit('YwBtAGQA')], false) });
  });

  it('utf16be|base64 encodes UTF-16BE bytes', () => {
    expect(sigmaTexts(lowerOk('x|utf16be|base64: cmd'))).toEqual(['AGMAbQBk']);
  });

  it('utf16|base64 puts the byte order mark FF FE first, as the spec says (§11 #3)', () => {
    expect(sigmaTexts(lowerOk('x|utf16|base64: cmd'))).toEqual(['//5jAG0AZAA=']);
  });

  it('without base64 matches the UTF-16 text, one character per byte', () => {
    expect(lowerOk('x|wide: ab')).toMatchObject({ value: { parts: [lit('a\u0000b\u0000')], isCased: false } });
    expect(lowerOk('x|wide|contains: ab')).toMatchObject({ value: { parts: [any, lit('a\u0000b\u0000'), any] } });
  });

  it('is an error on a number', () => {
    expect(codesAt(lower('x|wide: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 9 }]);
  });

  it('cannot encode twice', () => {
    const result = lower('x|wide|utf16be|base64: a');
    expect(codesAt(result.errors)).toEqual([{ code: 'modifier-type', line: 1, column: 24 }]);
  });

  it('makes a keyword search for base64 output too', () => {
    expect(lowerOk("'|wide|base64': cmd")).toEqual(
      Keyword.create(StringPattern.create([any, lit('YwBtAGQA'), any], false), at(1, 17)),
    );
  });
});
