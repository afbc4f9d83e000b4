import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import { conditionGrammar, type ConditionGrammar } from './grammar.js';
import type { ConditionAst } from './to-ast.js';

// The grammar is built on the first parse (grammar.ts); the token types the checks below
// compare with are bound then.
let grammar: ConditionGrammar | null = null;
let All: TokenType, And: TokenType, Any: TokenType, DashedName: TokenType, InvalidPattern: TokenType, LParen: TokenType;
let Name: TokenType, Not: TokenType, Of: TokenType, One: TokenType, Or: TokenType, Pattern: TokenType, RParen: TokenType, Them: TokenType;

function bindGrammar(): ConditionGrammar {
  if (grammar === null) {
    grammar = conditionGrammar();
    ({ All, And, Any, DashedName, InvalidPattern, LParen, Name, Not, Of, One, Or, Pattern, RParen, Them } = grammar.tokens);
  }
  return grammar;
}

/**
 * A problem in a condition string. Offsets are 0-based UTF-16 offsets into the condition
 * text, so the caller can add the YAML scalar's start offset and map it to a line and column.
 */
export interface ConditionSyntaxIssue {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
}

/** Outcome of `parseCondition`: `ast` is `null` exactly when `errors` is not empty. */
export interface ParsedCondition {
  readonly ast: ConditionAst | null;
  readonly errors: readonly ConditionSyntaxIssue[];
}

/**
 * Deepest nesting of parentheses plus `not`s accepted. Real rules stay below 10; the cap
 * keeps the recursive-descent parser, the visitor and later tree walks far from a stack
 * overflow on hostile input such as 10,000 `(`.
 */
export const MAX_CONDITION_DEPTH = 200;

/** Invalid-character runs reported before giving up, so megabytes of garbage stay cheap. */
const MAX_REPORTED_CHARACTER_ERRORS = 20;

// Exactly the characters some token can start with (see tokens.ts); anything else is
// reported by us, because Chevrotain's lexer recovery is slow on long invalid input.
const INVALID_CHARACTERS = /[^\w\s()*-]+/g;

const WORD_OR_DOT = /[\w.*-]/;

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any']);

/**
 * Parses one Sigma condition string (sigma-semantics.md §6.1) into a frozen `ConditionAst`.
 * Never throws on bad input: every problem comes back as an issue with its offset.
 * Identifiers are not checked and selectors not expanded here; see `resolveCondition`.
 *
 * @example
 * parseCondition('sel and not 1 of filter_*').ast
 * // { kind: 'and', children: [{ kind: 'identifier', name: 'sel', … }, { kind: 'not', … }] }
 * parseCondition('s AND f').errors
 * // [{ offset: 2, length: 3, message: "operators are lowercase: use 'and' instead of 'AND'" }]
 */
export function parseCondition(text: string): ParsedCondition {
  if (typeof text !== 'string') return failed([issue(0, 0, 'condition must be a string')]);
  if (text.trim() === '') return failed([issue(0, text.length, 'condition is empty')]);

  const pipe = text.indexOf('|');
  if (pipe !== -1) {
    return failed([
      issue(
        pipe,
        text.trimEnd().length - pipe,
        "the pipe '|' aggregation syntax (e.g. '| count() > 5') is deprecated and not supported: " +
          'use a correlation rule instead',
      ),
    ]);
  }

  const characterErrors = findInvalidCharacters(text);
  if (characterErrors.length > 0) return failed(characterErrors);

  const { tokens: lexer, parser, toAst } = bindGrammar();
  const lexed = lexer.conditionLexer.tokenize(text);
  if (lexed.errors.length > 0) {
    // Unreachable while INVALID_CHARACTERS mirrors the token set; kept so a drift shows up.
    return failed(
      lexed.errors.map((e) => {
        const found = quote(text.slice(e.offset, e.offset + e.length));
        return issue(e.offset, e.length, `unexpected ${found}`);
      }),
    );
  }
  const tokens = lexed.tokens;

  const structureError = checkStructure(tokens);
  if (structureError !== null) return failed([structureError]);

  parser.input = tokens;
  const cst = parser.condition();
  const parseError = parser.errors[0];
  if (parseError !== undefined) return failed([describeParseError(parseError, tokens, text)]);

  return Object.freeze({ ast: toAst(cst), errors: Object.freeze([]) });
}

function failed(errors: ConditionSyntaxIssue[]): ParsedCondition {
  return Object.freeze({ ast: null, errors: Object.freeze(errors) });
}

function issue(offset: number, length: number, message: string): ConditionSyntaxIssue {
  return Object.freeze({ offset, length, message });
}

function tokenIssue(token: IToken, message: string): ConditionSyntaxIssue {
  return issue(token.startOffset, token.image.length, message);
}

function quote(image: string): string {
  return image.length > 40 ? `'${image.slice(0, 40)}…'` : `'${image}'`;
}

function findInvalidCharacters(text: string): ConditionSyntaxIssue[] {
  const errors: ConditionSyntaxIssue[] = [];
  INVALID_CHARACTERS.lastIndex = 0;
  for (let match = INVALID_CHARACTERS.exec(text); match !== null; match = INVALID_CHARACTERS.exec(text)) {
    if (errors.length === MAX_REPORTED_CHARACTER_ERRORS) {
      const rest = text.length - match.index;
      errors.push(issue(match.index, rest, 'more invalid characters follow; fix the ones above first'));
      break;
    }
    errors.push(issue(match.index, match[0].length, describeInvalidCharacters(text, match.index, match[0])));
  }
  return errors;
}

function describeInvalidCharacters(text: string, offset: number, run: string): string {
  if (/^\.+$/.test(run)) {
    // SigmaHQ has detections such as `filter_main_mdadm.conf`: legal as names, but only
    // reachable through a pattern (sigma-semantics.md §6.2).
    // Bounded so megabyte-long words with many dots stay linear overall.
    const limit = 100;
    let start = offset;
    while (start > 0 && offset - start < limit && WORD_OR_DOT.test(text.charAt(start - 1))) start--;
    let end = offset + run.length;
    while (end < text.length && end - offset < limit && WORD_OR_DOT.test(text.charAt(end))) end++;
    const word = text.slice(start, end);
    const prefix = word.slice(0, word.indexOf('.')).replace(/\*+$/, '');
    const hint = /^\w+$/.test(prefix) ? ` such as '1 of ${prefix}*'` : '';
    return (
      `'.' is not allowed in a condition (in ${quote(word)}): ` +
      `a detection whose name contains '.' can only be referenced through a pattern${hint}`
    );
  }
  const what = [...run].length === 1 ? 'character' : 'characters';
  return (
    `unexpected ${what} ${quote(run)}: ` +
    "identifiers may only contain ASCII letters, digits, '_' and '-' (and '*' in patterns)"
  );
}

/**
 * One pass over the tokens for what the grammar would report badly or too late:
 * unbalanced parentheses (pointing at the culprit rather than at the end) and nesting
 * deeper than MAX_CONDITION_DEPTH (before the recursive parser can overflow the stack).
 */
function checkStructure(tokens: readonly IToken[]): ConditionSyntaxIssue | null {
  const openParens: IToken[] = [];
  // `not`s waiting for their operand, saved per enclosing parenthesis.
  const pendingNotsOutside: number[] = [];
  let pendingNots = 0;
  let depth = 0;
  for (const token of tokens) {
    const type = token.tokenType;
    if (type === Not || type === LParen) {
      depth++;
      if (depth > MAX_CONDITION_DEPTH) {
        const limit = `limit ${MAX_CONDITION_DEPTH} levels of parentheses and 'not'`;
        return tokenIssue(token, `condition nested too deeply (${limit})`);
      }
      if (type === Not) {
        pendingNots++;
      } else {
        openParens.push(token);
        pendingNotsOutside.push(pendingNots);
        pendingNots = 0;
      }
    } else if (type === RParen) {
      if (openParens.pop() === undefined) return tokenIssue(token, "unmatched ')': no '(' is open here");
      // Closing the group also completes the operand of the `not`s before its '('.
      const outside = pendingNotsOutside.pop() ?? 0;
      depth -= 1 + pendingNots + outside;
      pendingNots = 0;
    } else if (type === Name || type === DashedName || type === Pattern || type === InvalidPattern || type === Them) {
      depth -= pendingNots;
      pendingNots = 0;
    }
  }
  const unclosed = openParens.at(-1);
  if (unclosed !== undefined) return tokenIssue(unclosed, "'(' is never closed: missing ')'");
  return null;
}

const OPERAND_STARTERS = "an identifier, a selector such as '1 of sel*', 'not' or '('";
const PATTERN_CHARACTERS = "patterns may only use letters, digits, '_' and '*'";

function is(token: IToken | undefined, ...types: TokenType[]): boolean {
  return token !== undefined && types.includes(token.tokenType);
}

function misCasedKeyword(token: IToken | undefined): string | null {
  if (token === undefined || !is(token, Name)) return null;
  const lower = token.image.toLowerCase();
  return lower !== token.image && KEYWORDS.has(lower) ? lower : null;
}

/**
 * Chevrotain's messages list expected token sequences; Sigma authors need to hear what
 * is wrong in their words. With recovery off there is exactly one error, and in this small
 * grammar the offending token and the one before it say everything.
 */
function describeParseError(
  error: IRecognitionException,
  tokens: readonly IToken[],
  text: string,
): ConditionSyntaxIssue {
  const { tokenMatcher, EOF } = bindGrammar().chevrotain;
  const atEnd = tokenMatcher(error.token, EOF);
  const index = atEnd ? tokens.length : tokens.indexOf(error.token);
  const token: IToken | undefined = atEnd ? undefined : error.token;
  const previous: IToken | undefined = index > 0 ? tokens[index - 1] : undefined;

  // Upper-case operators lex as identifiers, so the error may land on either side of them.
  for (const suspect of [token, previous]) {
    const lower = misCasedKeyword(suspect);
    if (suspect !== undefined && lower !== null) {
      return tokenIssue(suspect, `operators are lowercase: use '${lower}' instead of '${suspect.image}'`);
    }
  }

  if (token === undefined) {
    if (previous === undefined) return issue(text.length, 0, 'condition is empty');
    let expected = OPERAND_STARTERS;
    if (is(previous, One, Any, All)) expected = "'of'";
    else if (is(previous, Of)) expected = "'them' or a pattern such as 'sel*'";
    return tokenIssue(previous, `unexpected end of condition after '${previous.image}': expected ${expected}`);
  }

  const image = quote(token.image);

  if (previous !== undefined && is(previous, One, Any, All)) {
    return tokenIssue(token, `expected 'of' after '${previous.image}', found ${image}`);
  }

  if (is(previous, Of)) {
    if (is(token, DashedName, InvalidPattern)) {
      return tokenIssue(token, `pattern ${image} cannot contain '-': ${PATTERN_CHARACTERS}`);
    }
    return tokenIssue(token, `expected 'them' or a pattern such as 'sel*' after 'of', found ${image}`);
  }

  if (previous === undefined || is(previous, And, Or, Not, LParen)) {
    // An operand is expected here; `previous` is undefined at the start of the condition.
    if (is(token, Pattern)) {
      const suggestion = `'1 of ${token.image}' or 'all of ${token.image}'`;
      return tokenIssue(token, `wildcard pattern ${image} can only be used in a selector: ${suggestion}`);
    }
    if (is(token, InvalidPattern)) {
      const why = "'*' only appears in selector patterns, and patterns cannot contain '-'";
      return tokenIssue(token, `${image} is not a valid identifier: ${why}`);
    }
    if (is(token, RParen) && is(previous, LParen)) {
      return tokenIssue(token, "empty parentheses: expected a condition between '(' and ')'");
    }
    if (is(token, Of)) return tokenIssue(token, "'of' must follow a quantifier: '1 of', 'any of' or 'all of'");
    if (is(token, Them)) return tokenIssue(token, "'them' can only be used after '1 of', 'any of' or 'all of'");
    if (previous === undefined) {
      return tokenIssue(token, `condition cannot start with ${image}: expected ${OPERAND_STARTERS}`);
    }
    return tokenIssue(token, `${image} cannot follow '${previous.image}': expected ${OPERAND_STARTERS}`);
  }
  return describeAfterOperand(token, previous);
}

/** Errors right after a complete operand (`previous`): a missing operator, mostly. */
function describeAfterOperand(token: IToken, previous: IToken): ConditionSyntaxIssue {
  const image = quote(token.image);

  if (is(token, Of)) {
    if (is(previous, Name) && /^\d+$/.test(previous.image)) {
      return issue(
        previous.startOffset,
        token.startOffset + token.image.length - previous.startOffset,
        `unsupported quantifier '${previous.image} of': only '1 of', 'any of' and 'all of' are allowed`,
      );
    }
    return tokenIssue(token, `'of' must follow a quantifier ('1', 'any' or 'all'), not '${previous.image}'`);
  }
  if (is(token, Them)) return tokenIssue(token, "'them' can only be used after '1 of', 'any of' or 'all of'");
  if (is(token, Not)) {
    return tokenIssue(token, `missing 'and' or 'or' before 'not' (e.g. '${previous.image} and not …')`);
  }
  if (is(token, RParen)) return tokenIssue(token, "unmatched ')': no '(' is open here");
  return tokenIssue(token, `missing 'and' or 'or' between '${previous.image}' and ${image}`);
}
