// The condition grammar (tokens, lexer, parser, CST -> AST), built on first use: loading
// rules from a warm rule cache parses no condition and never loads Chevrotain.
import type { CstNode } from 'chevrotain';
import { chevrotain, type ChevrotainApi } from './chevrotain.js';
import { createConditionParser, type ConditionParser } from './parser.js';
import { createToAst } from './to-ast.js';
import type { ConditionAst } from './to-ast.js';
import { createConditionTokens, type ConditionTokens } from './tokens.js';

/** Everything parsing a condition needs, built once per process. */
export interface ConditionGrammar {
  readonly chevrotain: ChevrotainApi;
  readonly tokens: ConditionTokens;
  readonly parser: ConditionParser;
  readonly toAst: (cst: CstNode) => ConditionAst;
}

let grammar: ConditionGrammar | null = null;

/** The process's condition grammar, built (and Chevrotain loaded) on the first call. */
export function conditionGrammar(): ConditionGrammar {
  if (grammar === null) {
    const c = chevrotain();
    const tokens = createConditionTokens(c);
    const parser = createConditionParser(c, tokens);
    grammar = { chevrotain: c, tokens, parser, toAst: createToAst(parser) };
  }
  return grammar;
}
