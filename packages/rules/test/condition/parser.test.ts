import { describe, expect, it } from 'vitest';
import { chevrotain } from '../../src/condition/chevrotain.js';
import { conditionGrammar } from '../../src/condition/grammar.js';
import { createConditionParser } from '../../src/condition/parser.js';

const { parser: conditionParser, tokens, toAst: toConditionAst } = conditionGrammar();
const { conditionLexer } = tokens;

function parse(text: string) {
  conditionParser.input = conditionLexer.tokenize(text).tokens;
  const cst = conditionParser.condition();
  return { cst, errors: conditionParser.errors };
}

describe('condition parser (grammar only)', () => {
  it('builds a CST whose top rule is condition', () => {
    const { cst, errors } = parse('a and b');
    expect(errors).toEqual([]);
    expect(cst.name).toBe('condition');
  });

  it('contains no semantics: the same CST gives the AST only through the visitor', () => {
    const { cst } = parse('not 1 of sel*');
    expect(toConditionAst(cst)).toEqual({
      kind: 'not',
      child: { kind: 'selector', quantifier: 'one', pattern: 'sel*', offset: 4, length: 9 },
    });
  });

  it('stops at the first error instead of recovering', () => {
    expect(parse('a b c d').errors).toHaveLength(1);
  });

  it('resets its state when given new input', () => {
    expect(parse('(a').errors).toHaveLength(1);
    expect(parse('a').errors).toEqual([]);
  });

  it('builds a second instance without grammar definition errors (self-analysis is clean)', () => {
    expect(() => createConditionParser(chevrotain(), tokens)).not.toThrow();
  });

  it('exposes exactly the rules of the documented grammar', () => {
    expect(conditionParser.getGAstProductions()).toSatisfy((productions: Record<string, unknown>) =>
      ['condition', 'orExpr', 'andExpr', 'notExpr', 'primary', 'selector'].every((rule) => rule in productions),
    );
    expect(Object.keys(conditionParser.getGAstProductions())).toHaveLength(6);
  });
});
