import type { TokenType } from 'chevrotain';
import type { ChevrotainApi } from './chevrotain.js';

// Every "word" below is a maximal run of [A-Za-z0-9_*-] and exactly one of the four word
// tokens matches the whole run: a run with both '*' and '-' is an InvalidPattern, with '*'
// only a Pattern, with '-' only a DashedName, otherwise a Name. Keywords list them as
// `longer_alt` in that order, so `notepad`, `order_sel`, `or_x*` and `and-x` stay one word
// (Chevrotain picks the first longer alternative, not the longest).
// ASCII only, like pySigma's pyparsing `alphanums`.

/**
 * The condition tokens and the one condition lexer, built once Chevrotain is loaded (see
 * grammar.ts).
 */
export function createConditionTokens({ Lexer, createToken }: ChevrotainApi) {
  /** Skipped; `\s` covers spaces, tabs and the newlines of multi-line YAML conditions. */
  const WhiteSpace = createToken({
    name: 'WhiteSpace',
    pattern: /\s+/,
    group: Lexer.SKIPPED,
    line_breaks: true,
  });

  /** A word containing both '*' and '-': never valid, lexed whole so the error names it. */
  const InvalidPattern = createToken({
    name: 'InvalidPattern',
    // Written so each quantifier stops at the first character it cannot take: linear time
    // on hostile megabyte-long words (a naive `[\w*]*...-` form backtracks quadratically).
    pattern: /\w*(?:\*[\w*]*-|-[\w-]*\*)[\w*-]*/,
  });

  /** A wildcard pattern (`filter_main_*`), only legal after `1 of` / `any of` / `all of`. */
  const Pattern = createToken({ name: 'Pattern', pattern: /\w*\*[\w*]*/ });

  /**
   * Abstract category of anything that can name a detection. Split in two because a name with
   * '-' may be referenced directly but is not a valid selector pattern (pySigma rejects `1 of sel-x`).
   */
  const Identifier = createToken({ name: 'Identifier', pattern: Lexer.NA });

  /** A detection name containing '-'. */
  const DashedName = createToken({
    name: 'DashedName',
    pattern: /\w*-[\w-]*/,
    categories: [Identifier],
  });

  /** A detection name of letters, digits and '_' only; also a pattern without wildcards. */
  const Name = createToken({ name: 'Name', pattern: /\w+/, categories: [Identifier] });

  const wordAlternatives = [InvalidPattern, Pattern, DashedName, Name];

  const keyword = (name: string, word: string): TokenType => {
    // Case-sensitive on purpose: pySigma rejects `AND`, so `AND` must lex as a Name.
    return createToken({ name, pattern: word, longer_alt: wordAlternatives });
  };

  const And = keyword('And', 'and');
  const Or = keyword('Or', 'or');
  const Not = keyword('Not', 'not');
  const Of = keyword('Of', 'of');
  const Them = keyword('Them', 'them');
  const All = keyword('All', 'all');
  const Any = keyword('Any', 'any');
  /** The quantifier `1`; `12` or `1a` lex as names through `longer_alt`. */
  const One = keyword('One', '1');

  const LParen = createToken({ name: 'LParen', pattern: '(' });
  const RParen = createToken({ name: 'RParen', pattern: ')' });

  /**
   * Lexer order matters: whitespace first (most frequent), keywords before the word tokens
   * they could otherwise be read as, and the word tokens in the order documented above.
   */
  const conditionTokens: readonly TokenType[] = [
    WhiteSpace,
    LParen,
    RParen,
    And,
    Or,
    Not,
    Of,
    Them,
    All,
    Any,
    One,
    InvalidPattern,
    Pattern,
    DashedName,
    Name,
    Identifier,
  ];

  /**
   * The one condition lexer of the process. Offsets are all we need (the caller maps them
   * through the YAML scalar), so line/column tracking is off.
   */
  const conditionLexer = new Lexer(conditionTokens as TokenType[], {
    positionTracking: 'onlyOffset',
    ensureOptimizations: true,
  });
  return { WhiteSpace, InvalidPattern, Pattern, Identifier, DashedName, Name, And, Or, Not, Of, Them, All, Any, One, LParen, RParen, conditionTokens, conditionLexer };
}

/** What {@link createConditionTokens} builds. */
export type ConditionTokens = ReturnType<typeof createConditionTokens>;
