import { And, Not } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { at, codesAt, lower, lowerOk, sigmaTexts } from './lower-helpers.js';

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

describe('windash', () => {
  it('expands a flag dash into -, /, en dash, em dash and horizontal bar (§4.5)', () => {
    expect(sigmaTexts(lowerOk("x|windash: ' -f '"))).toEqual(DASHES.map((d) => ` ${d}f `));
  });

  it('works the same after contains and before it (edge case 22)', () => {
    const expected = DASHES.map((d) => `* ${d}f *`);
    expect(sigmaTexts(lowerOk("x|windash|contains: ' -f '"))).toEqual(expected);
    expect(lowerOk("x|contains|windash: ' -f '")).toEqual(lowerOk("x|windash|contains: ' -f '"));
  });

  it('locates every variant at the value', () => {
    const node = lowerOk("x|windash: ' -f'");
    expect(node.kind === 'Or' && node.children.every((c) => c.kind === 'Match' && c.origin?.column === 12)).toBe(true);
  });

  it('expands a slash the same way', () => {
    expect(sigmaTexts(lowerOk("x|windash: ' /f'"))).toEqual(DASHES.map((d) => ` ${d}f`));
  });

  it('leaves a dash between word characters alone (edge case 23)', () => {
    expect(sigmaTexts(lowerOk("x|windash: 'a-b'"))).toEqual(['a-b']);
    expect(sigmaTexts(lowerOk("x|windash: 'multi-part'"))).toEqual(['multi-part']);
  });

  it('expands a dash at the start of the value and right after a wildcard', () => {
    expect(sigmaTexts(lowerOk("x|windash: '-f'"))).toEqual(DASHES.map((d) => `${d}f`));
    expect(sigmaTexts(lowerOk("x|windash: 'a*-f'"))).toEqual(DASHES.map((d) => `a*${d}f`));
  });

  it('needs a word character after the dash: " - " and the first dash of "--force" stay', () => {
    expect(sigmaTexts(lowerOk("x|windash: ' - '"))).toEqual([' - ']);
    expect(sigmaTexts(lowerOk("x|windash: ' --force'"))).toEqual(DASHES.map((d) => ` -${d}force`));
  });

  it('treats Unicode letters, digits and _ as word characters, like Python', () => {
    expect(sigmaTexts(lowerOk("x|windash: ' -é'"))).toHaveLength(5);
    expect(sigmaTexts(lowerOk("x|windash: ' -_x'"))).toHaveLength(5);
    expect(sigmaTexts(lowerOk("x|windash: ' -1'"))).toHaveLength(5);
  });

  it('does not expand en or em dashes already in the rule', () => {
    expect(sigmaTexts(lowerOk("x|windash: ' \u2013f'"))).toEqual([' \u2013f']);
  });

  it('builds all 5^n combinations, the first dash varying slowest', () => {
    const texts = sigmaTexts(lowerOk("x|windash: ' -a -b'"));
    expect(texts).toHaveLength(25);
    expect(texts.slice(0, 6)).toEqual([' -a -b', ' -a /b', ' -a \u2013b', ' -a \u2014b', ' -a \u2015b', ' /a -b']);
    expect(new Set(texts).size).toBe(25);
  });

  it('keeps each value an OR group inside all, with a warning (edge case 46)', () => {
    const result = lower("x|windash|contains|all: [' -a', ' -b']");
    const node = result.node;
    expect(node?.kind).toBe('And');
    if (node?.kind !== 'And') return;
    expect(node.children.map(sigmaTexts)).toEqual([DASHES.map((d) => `* ${d}a*`), DASHES.map((d) => `* ${d}b*`)]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'modifier-order', severity: 'warning', location: at(1, 1) })]);
    expect(And.is(node)).toBe(true);
  });

  it('is negated as a whole group by neq (edge case 47, §11 #21)', () => {
    const node = lowerOk("x|windash|contains|neq: ' -n '");
    expect(Not.is(node)).toBe(true);
    if (!Not.is(node)) return;
    expect(sigmaTexts(node.child)).toEqual(DASHES.map((d) => `* ${d}n *`));
  });

  it('keeps the case sensitivity of a cased value', () => {
    const node = lowerOk("x|cased|windash: ' -F'");
    expect(node.kind === 'Or' && node.children.every((c) => c.kind === 'Match' && c.value.kind === 'StringPattern' && c.value.isCased)).toBe(true);
  });

  it('combines with base64offset: every dash variant gets three offsets', () => {
    expect(sigmaTexts(lowerOk("x|windash|base64offset|contains: ' -f'"))).toHaveLength(15);
  });

  it('on keywords gives an OR of keyword searches (§4.12)', () => {
    const node = lowerOk("'|windash': ' -f'");
    expect(node).toMatchObject({ kind: 'Or', children: DASHES.map(() => ({ kind: 'Keyword' })) });
    expect(sigmaTexts(node)).toEqual(DASHES.map((d) => `* ${d}f*`));
  });

  it('is an error on a number', () => {
    expect(codesAt(lower('x|windash: 5').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 12 }]);
  });

  it('must come before wide', () => {
    expect(codesAt(lower("x|wide|windash: ' -f'").errors)).toEqual([{ code: 'modifier-order', line: 1, column: 17 }]);
  });

  it('refuses a value that would explode into more than 4096 variants', () => {
    const result = lower("x|windash: ' -a -b -c -d -e -f'");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'unsupported', line: 1, column: 12 }]);
  });
});
