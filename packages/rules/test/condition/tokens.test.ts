import { describe, expect, it } from 'vitest';
import { conditionGrammar } from '../../src/condition/grammar.js';

const { conditionLexer } = conditionGrammar().tokens;

/** `Type:image` for every token, so a test reads like the token stream. */
function lex(text: string): string[] {
  const result = conditionLexer.tokenize(text);
  expect(result.errors).toEqual([]);
  return result.tokens.map((token) => `${token.tokenType.name}:${token.image}`);
}

describe('condition lexer: keywords', () => {
  it('lexes every lowercase keyword as its own token', () => {
    expect(lex('and or not of them all any 1')).toEqual([
      'And:and',
      'Or:or',
      'Not:not',
      'Of:of',
      'Them:them',
      'All:all',
      'Any:any',
      'One:1',
    ]);
  });

  it.each([
    ['order_sel'],
    ['notepad'],
    ['andfilter'],
    ['them_sel'],
    ['all_x'],
    ['one1'],
    ['any2'],
    ['office'],
    ['sel_1'],
    ['12'],
    ['1a'],
    ['_and'],
  ])('does not split the identifier %s at a keyword prefix', (name) => {
    expect(lex(name)).toEqual([`Name:${name}`]);
  });

  it('keeps keyword-prefixed names with dashes or wildcards whole', () => {
    expect(lex('not-x or-y and_* 1*')).toEqual(['DashedName:not-x', 'DashedName:or-y', 'Pattern:and_*', 'Pattern:1*']);
  });

  it('lexes upper- and mixed-case operator words as names (they are errors later)', () => {
    expect(lex('AND Or NOT OF Them ALL')).toEqual([
      'Name:AND',
      'Name:Or',
      'Name:NOT',
      'Name:OF',
      'Name:Them',
      'Name:ALL',
    ]);
  });

  it('reads `sel or notepad` as identifier, or, identifier', () => {
    expect(lex('sel or notepad')).toEqual(['Name:sel', 'Or:or', 'Name:notepad']);
  });
});

describe('condition lexer: names and patterns', () => {
  it('classifies a word by whether it contains * and -', () => {
    expect(lex('sel sel-a filter_main_* sel-*')).toEqual([
      'Name:sel',
      'DashedName:sel-a',
      'Pattern:filter_main_*',
      'InvalidPattern:sel-*',
    ]);
  });

  it('lexes a word with both * and - as one invalid pattern whichever comes first', () => {
    expect(lex('a*b-c a-b*c *- -*')).toEqual([
      'InvalidPattern:a*b-c',
      'InvalidPattern:a-b*c',
      'InvalidPattern:*-',
      'InvalidPattern:-*',
    ]);
  });

  it('accepts a lone * and patterns with several wildcards', () => {
    expect(lex('* *sel* a**b')).toEqual(['Pattern:*', 'Pattern:*sel*', 'Pattern:a**b']);
  });

  it('needs no whitespace around parentheses', () => {
    expect(lex('not(a)and(b)')).toEqual([
      'Not:not',
      'LParen:(',
      'Name:a',
      'RParen:)',
      'And:and',
      'LParen:(',
      'Name:b',
      'RParen:)',
    ]);
  });

  it('skips spaces, tabs and newlines and keeps offsets into the original text', () => {
    const result = conditionLexer.tokenize('a\n\tand\r\n  b');
    expect(result.tokens.map((token) => [token.image, token.startOffset])).toEqual([
      ['a', 0],
      ['and', 3],
      ['b', 10],
    ]);
  });

  it('reports characters outside the token set as lexer errors', () => {
    const result = conditionLexer.tokenize('a.b');
    expect(result.errors.map((error) => [error.offset, error.length])).toEqual([[1, 1]]);
  });

  it('lexes hostile megabyte-long words in linear time', () => {
    for (const word of ['a*'.repeat(500_000) + '-', 'a-'.repeat(500_000) + '*', 'a'.repeat(1_000_000) + '-*']) {
      expect(conditionLexer.tokenize(word).tokens).toHaveLength(1);
    }
  });
});
